import Dispatch
import Inventory
import Metrics
import Power
import Synchronization

/// provisiond's metric families (README "Metrics"), one counting method per event so each plane
/// counts with one line at the place the event happens. One registry per process, as Prometheus
/// client libraries keep a default one: the planes count without it being handed through every
/// initializer, and `/metrics` renders it.
public final class ServerMetrics: Sendable {
    public static let shared = ServerMetrics()

    public let registry = MetricsRegistry()

    private let dhcpRequests: Counter
    private let dhcpMalformed: Counter
    private let dhcpKernelDrops: Counter
    private let tftpTransfers: Counter
    private let tftpBytes: Counter
    private let tftpErrors: Counter
    private let tftpRetransmits: Counter
    private let tftpKernelDrops: Counter
    private let httpRequests: Counter
    private let httpDuration: Histogram
    private let httpOffLoop: Counter
    private let transitions: Counter
    private let installDuration: Histogram
    private let hookRuns: Counter
    private let kubesprayRuns: Counter
    private let proxmoxOperations: Counter
    private let powerOperations: Counter
    private let powerChanges: Counter
    private let sqliteCommit: Histogram
    let installClock = InstallClock()
    let sources = Mutex<Sources?>(nil)

    /// The outcomes hooks, playbook runs and Proxmox operations end with: their series exist at
    /// 0 from the start, so an alert on `increase(...)` sees the first failure.
    static let runOutcomes = ["ok", "failed", "timeout"]
    static let proxmoxOperationNames = ["endpoint-add", "endpoint-delete", "template-rollout", "vm-create", "vm-delete"]

    init() {
        let registry = registry
        dhcpRequests = registry.counter("provisiond_dhcp_requests_total",
                                        "DHCP requests by message type and the reply sent (none: not answered).", labels: ["type", "reply"])
        dhcpMalformed = registry.counter("provisiond_dhcp_malformed_total", "DHCP datagrams dropped because they did not decode.")
        dhcpKernelDrops = registry.counter("provisiond_dhcp_kernel_drops_total",
                                           "DHCP datagrams the kernel dropped before provisiond read them (socket buffer full, SO_RXQ_OVFL).")
        tftpTransfers = registry.counter("provisiond_tftp_transfers_total",
                                         "TFTP transfers by how they ended: completed, client-error, gave-up.", labels: ["outcome"])
        tftpBytes = registry.counter("provisiond_tftp_sent_bytes_total", "TFTP DATA payload bytes sent, retransmissions included.")
        tftpErrors = registry.counter("provisiond_tftp_errors_total", "TFTP ERROR packets sent, by RFC 1350 error code.", labels: ["code"])
        tftpRetransmits = registry.counter("provisiond_tftp_retransmits_total", "TFTP DATA blocks sent again after a timeout.")
        tftpKernelDrops = registry.counter("provisiond_tftp_kernel_drops_total",
                                           "TFTP requests the kernel dropped before provisiond read them (socket buffer full, SO_RXQ_OVFL).")
        httpRequests = registry.counter("provisiond_http_requests_total", "HTTP requests by listener, route class and status.",
                                        labels: ["listener", "route", "status"])
        httpDuration = registry.histogram("provisiond_http_request_duration_seconds",
                                          "Time to build an HTTP response (the body's transfer not included).",
                                          labels: ["listener", "route"],
                                          buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60])
        httpOffLoop = registry.counter("provisiond_http_requests_off_loop_total",
                                       "HTTP requests answered off the event loop that read them: waited (for a commit; the loop passed on) or dispatch.",
                                       labels: ["listener", "how"])
        transitions = registry.counter("provisiond_lifecycle_transitions_total", "Machine lifecycle transitions by event and states.",
                                       labels: ["event", "from", "to"])
        installDuration = registry.histogram("provisiond_install_duration_seconds",
                                             "From the install script (boot-install) or first user-data fetch to phone-home.",
                                             buckets: [60, 120, 300, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200])
        hookRuns = registry.counter("provisiond_hook_runs_total", "Lifecycle hook runs by outcome.", labels: ["outcome"])
        kubesprayRuns = registry.counter("provisiond_kubespray_runs_total", "Kubespray playbook runs by playbook and outcome.",
                                         labels: ["playbook", "outcome"])
        proxmoxOperations = registry.counter("provisiond_proxmox_operations_total", "Proxmox VE operations by operation and outcome.",
                                             labels: ["operation", "outcome"])
        powerOperations = registry.counter("provisiond_power_operations_total", "Power operations by driver, operation and outcome.",
                                           labels: ["driver", "operation", "outcome"])
        powerChanges = registry.counter("provisiond_power_changes_total",
                                        "Power changes the poller saw that provisiond did not make, by the state reached.", labels: ["to"])
        sqliteCommit = registry.histogram("provisiond_sqlite_commit_duration_seconds", "Time of one SQLite COMMIT (fsync included).",
                                          buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1])
        dhcpMalformed.increment(by: 0)
        dhcpKernelDrops.increment(by: 0)
        tftpBytes.increment(by: 0)
        tftpRetransmits.increment(by: 0)
        tftpKernelDrops.increment(by: 0)
        for outcome in Self.runOutcomes {
            hookRuns.increment(outcome, by: 0)
            for playbook in ["cluster.yml", "scale.yml"] { kubesprayRuns.increment(playbook, outcome, by: 0) }
        }
        for operation in Self.proxmoxOperationNames {
            for outcome in ["ok", "failed"] { proxmoxOperations.increment(operation, outcome, by: 0) }
        }
        for driver in PowerSettingsRecord.Driver.allCases {
            for operation in PowerOperation.allCases {
                for outcome in ["ok", "failed"] { powerOperations.increment(driver.rawValue, operation.rawValue, outcome, by: 0) }
            }
        }
        ProcessGauges.register(in: registry)
        registerInventoryGauges()
    }

    func dhcpRequest(type: String, reply: String) { dhcpRequests.increment(type, reply) }
    func dhcpMalformedPacket() { dhcpMalformed.increment() }
    func dhcpDroppedByKernel(_ count: Int) { dhcpKernelDrops.increment(by: Double(count)) }

    func tftpTransfer(outcome: String, bytesSent: Int, retransmits: Int) {
        tftpTransfers.increment(outcome)
        tftpBytes.increment(by: Double(bytesSent))
        tftpRetransmits.increment(by: Double(retransmits))
    }

    func tftpError(code: UInt16) { tftpErrors.increment(String(code)) }
    func tftpDroppedByKernel(_ count: Int) { tftpKernelDrops.increment(by: Double(count)) }

    func httpRequest(listener: String, path: String, status: Int, seconds: Double) {
        let route = HTTPRouteClass.of(path)
        httpRequests.increment(listener, route, String(status))
        httpDuration.observe(listener, route, value: seconds)
    }

    /// `how`: `waited` or `dispatch` (`HTTPSession`).
    func httpRequestOffLoop(listener: String, how: String) { httpOffLoop.increment(listener, how) }

    func transition(event: String, from: String, to: String) { transitions.increment(event, from, to) }
    func installFinished(seconds: Double) { installDuration.observe(value: seconds) }
    func hookRun(outcome: String) { hookRuns.increment(outcome) }
    func kubesprayRun(playbook: String, outcome: String) { kubesprayRuns.increment(playbook, outcome) }
    func proxmoxOperation(_ operation: String, succeeded: Bool) { proxmoxOperations.increment(operation, succeeded ? "ok" : "failed") }
    func powerOperation(driver: String, operation: String, succeeded: Bool) {
        powerOperations.increment(driver, operation, succeeded ? "ok" : "failed")
    }
    func powerChanged(to state: String) { powerChanges.increment(state) }
    func sqliteCommitted(seconds: Double) { sqliteCommit.observe(value: seconds) }

    /// A hook's or playbook's outcome label; nil: it did not start.
    static func outcome(_ process: ProcessOutcome?) -> String {
        switch process?.termination {
        case .exited(0): "ok"
        case .timedOut: "timeout"
        default: "failed"
        }
    }

    /// Seconds since `start` (a `DispatchTime` uptime in nanoseconds).
    static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000_000
    }
}
