import Clusters
import Dispatch
import Foundation
import Inventory
import Wire

/// Keeps kubespray clusters deployed (DESIGN.md §9). After every inventory change that touches a
/// kubespray cluster it rewrites the cluster's inventory files and asks `KubesprayRunPlan`
/// whether a playbook run is due; runs go one at a time per cluster, off the request path, and
/// move the members they deploy to `ready` (exit 0) or `failed`.
final class KubesprayDeployer: @unchecked Sendable {
    struct Settings: Sendable {
        var command: [String]
        /// Where the command runs; nil means the cluster's directory.
        var directory: String?
        var timeout: Double
        var clustersDir: String
    }

    private let inventory: Inventory
    private let settings: Settings
    private let log: Logger
    /// Owns the state below and does the planning; runs happen on `runQueues`.
    private let queue = DispatchQueue(label: "provisiond.kubespray")
    /// Planning passes queued or running, and playbook runs until the pass after them is done
    /// (`/healthz`).
    let pending = PendingWork()
    private var running: Set<String> = []
    private var runQueues: [String: DispatchQueue] = [:]
    /// The last validation error recorded per cluster, so an invalid cluster is reported once
    /// per problem rather than on every change of every member.
    private var reported: [String: String] = [:]
    /// The last reason a due run could not start, per cluster (reported once, like `reported`).
    private var notRunReported: [String: String] = [:]

    init(inventory: Inventory, settings: Settings, log: Logger) {
        self.inventory = inventory
        self.settings = settings
        self.log = log
    }

    /// Re-plans the clusters a change touches (the machine's, and one it left); problems are
    /// recorded on the machine unless it was deleted. Returns at once.
    func changed(_ change: InventoryChange) {
        let names = change.clusters
        guard !names.isEmpty else { return }
        let mac = change.kind == .deleted ? nil : change.machine.mac
        pending.begin()
        queue.async { [self] in
            defer { pending.end() }
            for name in names.sorted() { refresh(name, changed: mac) }
        }
    }

    /// Re-plans every kubespray cluster (at start: files for clusters made before, runs that a
    /// restart interrupted).
    func refreshAll() {
        pending.begin()
        queue.async { [self] in
            defer { pending.end() }
            let clusters: [Cluster]
            do throws(InventoryError) { clusters = try inventory.clusters() } catch {
                return log.error("kubespray-refresh-failed", ["error": error.description])
            }
            for cluster in clusters where cluster.kind == .kubespray { refresh(cluster.name, changed: nil) }
        }
    }

    /// Waits until the planning queued so far is done (tests).
    func drain() { queue.sync {} }

    // MARK: on `queue`

    private func refresh(_ name: String, changed mac: MACAddress?) {
        dispatchPrecondition(condition: .onQueue(queue))
        let members: KubesprayInventory
        do {
            members = try KubesprayClusterInventory.load(inventory, cluster: name)
        } catch {
            switch error {
            case .notKubespray, .store(.clusterNotFound): return
            case .invalid(let message): return invalid(name, message, mac)
            case .store: return log.error("kubespray-refresh-failed", ["cluster": name, "error": error.description])
            }
        }
        reported[name] = nil
        let files = KubesprayFiles(clustersDir: settings.clustersDir, cluster: name)
        do {
            if try files.write(members) { log.info("kubespray-inventory", ["cluster": name, "hosts": String(members.members.count), "file": files.iniPath]) }
        } catch {
            return log.error("kubespray-inventory-failed", ["cluster": name, "error": error.description])
        }
        switch KubesprayRunPlan.decide(members, runInProgress: running.contains(name)) {
        case .none(let reason): log.debug("kubespray-idle", ["cluster": name, "reason": reason])
        case .run(let run): start(run, cluster: name, files: files, members: members)
        }
    }

    /// Why the playbook command cannot run at all, or nil.
    private static func setupProblem(_ runner: ProcessRunner, _ playbook: KubesprayRun.Playbook, _ directory: String) -> String? {
        do { _ = try runner.resolvedExecutable() } catch { return "\(error.description) (set kubesprayCommand)" }
        guard FileManager.default.fileExists(atPath: directory + "/" + playbook.rawValue) else {
            return "no \(playbook.rawValue) in \(directory): point kubesprayDir (--kubespray-dir) at a kubespray checkout"
        }
        return nil
    }

    private func notRun(_ name: String, _ problem: String, _ targets: [MACAddress]) {
        dispatchPrecondition(condition: .onQueue(queue))
        log.error("kubespray-not-run", ["cluster": name, "error": problem])
        guard notRunReported[name] != problem else { return }
        notRunReported[name] = problem
        for mac in targets { record("kubespray-not-run", mac, "cluster \(name): \(problem)") }
    }

    private func invalid(_ name: String, _ message: String, _ mac: MACAddress?) {
        dispatchPrecondition(condition: .onQueue(queue))
        log.warning("inventory-invalid", ["cluster": name, "mac": mac?.description ?? "", "error": message])
        guard reported[name] != message, let mac else { return }
        reported[name] = message
        record("inventory-invalid", mac, "cluster \(name): \(message)")
    }

    private func start(_ run: KubesprayRun, cluster name: String, files: KubesprayFiles, members: KubesprayInventory) {
        dispatchPrecondition(condition: .onQueue(queue))
        let directory = settings.directory ?? files.directory
        let arguments = settings.command + ["-i", files.iniPath] + run.arguments
        var runner = ProcessRunner(arguments: arguments, environment: ProcessInfo.processInfo.environment, directory: directory,
                                   timeout: settings.timeout, tailLines: 10)
        // A setup mistake (no ansible-playbook, no kubespray checkout) is not the machines' fault:
        // they stay installed and the run is planned again on the next change or start.
        if let problem = Self.setupProblem(runner, run.playbook, directory) { return notRun(name, problem, run.targets) }
        notRunReported[name] = nil
        let logPath: String
        do { logPath = try files.newRunLog(run.playbook) } catch {
            return log.error("kubespray-run-failed", ["cluster": name, "error": error.description])
        }
        running.insert(name)
        let names = members.members.filter { run.targets.contains($0.mac) }.map(\.name)
        log.info("kubespray-run", ["cluster": name, "playbook": run.playbook.rawValue, "hosts": names.joined(separator: ","), "log": logPath])
        for mac in run.targets {
            record("kubespray-run", mac, "\(run.arguments.joined(separator: " ")) for cluster \(name), log \(logPath)")
        }
        runner.logPath = logPath
        let runQueue = runQueues[name] ?? DispatchQueue(label: "provisiond.kubespray.\(name)")
        runQueues[name] = runQueue
        pending.begin()
        runQueue.async { [self, runner] in
            let started = Date()
            let outcome = Result { () throws(ProcessRunnerError) in try runner.run() }
            finish(run, cluster: name, outcome: outcome, seconds: Date().timeIntervalSince(started), logPath: logPath)
            queue.async { [self] in
                defer { pending.end() }
                running.remove(name)
                refresh(name, changed: nil)
            }
        }
    }

    // MARK: on the cluster's run queue

    private func finish(_ run: KubesprayRun, cluster name: String, outcome: Result<ProcessOutcome, ProcessRunnerError>, seconds: Double,
                        logPath: String) {
        let playbook = run.playbook.rawValue
        let event: LifecycleEvent
        var detail: String
        switch outcome {
        case .success(let result) where result.succeeded:
            event = .hooksSucceeded
            detail = "\(playbook) \(result.status) after \(Int(seconds)) s, log \(logPath)"
        case .success(let result):
            event = .hooksFailed
            detail = "\(playbook) \(result.status) after \(Int(seconds)) s, log \(logPath)"
            if !result.tail.isEmpty { detail += ": " + result.tail.joined(separator: " | ") }
        case .failure(let error):
            event = .hooksFailed
            detail = "\(playbook) did not start: \(error.description)"
        }
        ServerMetrics.shared.kubesprayRun(playbook: playbook, outcome: ServerMetrics.outcome(try? outcome.get()))
        log.log(event == .hooksSucceeded ? .info : .warning, "kubespray-finished", [("cluster", name), ("playbook", playbook), ("detail", detail)])
        for mac in run.targets {
            do {
                _ = try inventory.apply(event, to: mac, source: "kubespray", detail: detail)
            } catch {
                // Reimaged, retired or deleted while the playbook ran: its new state stands.
                log.warning("kubespray-transition-skipped", ["mac": mac.description, "cluster": name, "error": error.description])
            }
        }
    }

    private func record(_ event: String, _ mac: MACAddress, _ detail: String) {
        do { try inventory.record(event, for: mac, source: "kubespray", detail: detail) } catch {
            log.warning("event-not-recorded", ["mac": mac.description, "event": event, "error": error.description])
        }
    }
}
