import Dispatch
import Foundation
import Inventory
import Synchronization
import Wire

/// Plain lifecycle hooks (DESIGN.md §9): every executable regular file in the hooks directory runs,
/// in name order, for each inventory change, with the machine in the environment (`EVENT`,
/// `MAC`, `HOSTNAME`, `IP`, `ROLE`, `CLUSTER`, `PROFILE`, `STATE`, empty when unset, plus
/// `PATH` and provisiond's own `HOME`: the state directory under the systemd unit, where `~/.ssh`
/// and `~/.ansible` live) and as JSON on stdin. They run one at a time on their own queue, never on the thread
/// that made the change; a hook that fails, is killed or times out leaves a `hook-failed` event
/// on the machine and a log line. After a phone-home they also decide the machine's readiness
/// (DESIGN.md §3): every hook succeeded (or there are none) → `ready`, one failed → `failed`;
/// except in kubespray clusters, where the playbook run decides (`KubesprayDeployer`).
///
/// The queue is bounded (DESIGN.md §11): a change of a machine whose run for the same event has
/// not started yet joins that run (which then sees the machine as it is by then), and beyond
/// `queueLimit` waiting runs the events of discovered machines, which any stranger can make, are
/// dropped and counted; an operator's machines are never dropped.
final class HookRunner: @unchecked Sendable {
    let directory: String
    let timeout: Double
    private let inventory: Inventory
    private let log: Logger
    private let path: String
    private let home: String?
    private let queue = DispatchQueue(label: "provisiond.hooks")
    /// Events queued or running (`/healthz`).
    let pending = PendingWork()
    /// Names already reported as skipped (touched only on `queue`), so each is logged once.
    private var skipped: Set<String> = []
    private var reportedMissing = false

    private struct Run: Hashable {
        let mac: MACAddress
        let event: String
    }

    /// Runs queued and not started, with the machine each will see.
    private let waiting = Mutex<[Run: Machine]>([:])
    private let dropped = Atomic<Int>(0)
    let queueLimit: Int

    init(directory: String, timeout: Double, inventory: Inventory, log: Logger,
         path: String = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin", home: String? = nil,
         queueLimit: Int = 1000) {
        self.queueLimit = queueLimit
        self.directory = directory
        self.timeout = timeout
        self.inventory = inventory
        self.log = log
        self.path = path
        self.home = home
    }

    /// Queues the hooks for one event (or folds it into the same run still waiting); returns at once.
    func fire(_ event: String, _ machine: Machine) {
        let key = Run(mac: machine.mac, event: event)
        let queued: Bool? = waiting.withLock { waiting in
            if waiting[key] != nil {
                waiting[key] = machine
                return false
            }
            if waiting.count >= queueLimit, machine.state == .discovered { return nil }
            waiting[key] = machine
            return true
        }
        guard let queued else {
            // One line for the first drop and one per thousand after it.
            let count = dropped.add(1, ordering: .relaxed).newValue
            if count % 1000 == 1 { log.warning("hooks-dropped", ["mac": machine.mac.description, "event": event, "total": String(count)]) }
            return
        }
        guard queued else { return }
        pending.begin()
        queue.async { [self] in
            defer { pending.end() }
            guard let machine = waiting.withLock({ $0.removeValue(forKey: key) }) else { return }
            let failures = hooks().compactMap { run($0, event, machine) }
            if event == LifecycleEvent.phoneHome.rawValue { settle(machine, failures) }
        }
    }

    /// installed → ready when the hooks of its phone-home succeeded, else → failed.
    private func settle(_ machine: Machine, _ failures: [String]) {
        dispatchPrecondition(condition: .onQueue(queue))
        let mac = machine.mac.description
        do {
            if try inventory.cluster(of: machine)?.kind == .kubespray { return }
            let event: LifecycleEvent = failures.isEmpty ? .hooksSucceeded : .hooksFailed
            let detail = failures.isEmpty ? "" : failures.joined(separator: "; ")
            let settled = try inventory.apply(event, to: machine.mac, source: "hooks", detail: detail)
            log.info("transition", ["mac": mac, "event": event.rawValue, "to": settled.state.rawValue])
        } catch {
            // Reimaged, retired or deleted while its hooks ran: nothing to settle.
            log.info("hooks-not-settled", ["mac": mac, "why": error.description])
        }
    }

    /// Waits for the hooks queued so far (tests, shutdown).
    func drain() { queue.sync {} }

    /// Runs one hook; returns what went wrong, or nil when it succeeded.
    private func run(_ name: String, _ event: String, _ machine: Machine) -> String? {
        dispatchPrecondition(condition: .onQueue(queue))
        let runner = ProcessRunner(arguments: [directory + "/" + name], environment: environment(event, machine),
                                   input: Array((MachineJSON.machine(machine).encoded() + "\n").utf8), directory: directory,
                                   timeout: timeout, tailLines: 5)
        let mac = machine.mac.description
        do {
            let outcome = try runner.run()
            ServerMetrics.shared.hookRun(outcome: ServerMetrics.outcome(outcome))
            if outcome.succeeded {
                log.info("hook-ok", ["mac": mac, "hook": name, "event": event])
                return nil
            }
            return failed(machine, event, name, "\(outcome.status)" + (outcome.tail.isEmpty ? "" : ": " + outcome.tail.joined(separator: " | ")))
        } catch {
            ServerMetrics.shared.hookRun(outcome: ServerMetrics.outcome(nil))
            return failed(machine, event, name, error.description)
        }
    }

    private func failed(_ machine: Machine, _ event: String, _ name: String, _ what: String) -> String {
        log.warning("hook-failed", ["mac": machine.mac.description, "hook": name, "event": event, "error": what])
        do {
            try inventory.record("hook-failed", for: machine.mac, source: "hooks", detail: "\(name) on \(event): \(what)")
        } catch {
            // The machine may be gone (a hook on its deletion): the log line is the record.
            log.debug("hook-event-not-recorded", ["mac": machine.mac.description, "error": error.description])
        }
        return "\(name): \(what)"
    }

    /// `IP` is the machine's reserved address, else its DHCP lease's.
    func environment(_ event: String, _ machine: Machine) -> [String: String] {
        let address: IPv4Address?
        do { address = try inventory.address(of: machine) } catch {
            log.warning("hook-ip-unknown", ["mac": machine.mac.description, "error": error.description])
            address = nil
        }
        var environment = ["EVENT": event, "MAC": machine.mac.description, "HOSTNAME": machine.hostname ?? "", "IP": address?.description ?? "",
                           "ROLE": machine.role ?? "", "CLUSTER": machine.cluster ?? "", "PROFILE": machine.profile ?? "",
                           "STATE": machine.state.rawValue, "PATH": path]
        environment["HOME"] = home
        return environment
    }

    /// Executable regular files in name order; anything else is skipped and logged once, hidden
    /// files (editor swap files, `.keep`) silently. A missing directory means no hooks.
    private func hooks() -> [String] {
        dispatchPrecondition(condition: .onQueue(queue))
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            // Missing is the default (no hooks); unreadable is an operator's mistake worth a warning.
            if !reportedMissing {
                if FileManager.default.fileExists(atPath: directory) {
                    log.warning("hooks-dir-unreadable", ["dir": directory, "error": "\(error)"])
                } else {
                    log.debug("hooks-dir-missing", ["dir": directory])
                }
            }
            reportedMissing = true
            return []
        }
        reportedMissing = false
        return names.sorted().filter { name in
            if name.hasPrefix(".") { return false }
            if ProcessRunner.isExecutableFile(directory + "/" + name) { return true }
            if skipped.insert(name).inserted { log.info("hook-skipped", ["hook": name, "reason": "not an executable regular file"]) }
            return false
        }
    }
}
