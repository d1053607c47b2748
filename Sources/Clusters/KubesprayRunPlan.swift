import Wire

/// One playbook run: what to pass after the inventory, and which members it deploys (they become
/// `ready` when it succeeds, `failed` when it does not).
public struct KubesprayRun: Equatable, Sendable {
    public enum Playbook: String, Sendable {
        case cluster = "cluster.yml"
        case scale = "scale.yml"
    }

    public let playbook: Playbook
    /// Host names for `--limit`; empty runs over the whole inventory.
    public let limit: [String]
    public let targets: [MACAddress]

    public init(playbook: Playbook, limit: [String], targets: [MACAddress]) {
        self.playbook = playbook
        self.limit = limit
        self.targets = targets
    }

    /// The playbook and its limit as command-line arguments.
    public var arguments: [String] {
        [playbook.rawValue] + (limit.isEmpty ? [] : ["--limit", limit.joined(separator: ",")])
    }
}

/// What to do about a kubespray cluster now.
public enum KubesprayRunDecision: Equatable, Sendable {
    case run(KubesprayRun)
    /// Nothing to run; the reason is for the log.
    case none(String)
}

/// Decides when a kubespray cluster gets a playbook run. The policy:
/// - One run at a time per cluster: while one runs, nothing else starts (the deployer asks again
///   when it finishes).
/// - A new cluster (no member `ready` yet) is deployed once, with `cluster.yml` over the whole
///   inventory, when no member is still pending (registered, booting, installing) and some are
///   `installed`. A member that never boots holds the first deployment back until it is retired
///   or deleted.
/// - Once a member is `ready`, members that become `installed` later are added as they come:
///   `scale.yml --limit NEW,...` when all of them are plain nodes; `cluster.yml` when one of
///   them is control-plane or etcd, since kubespray adds those with cluster.yml and not
///   scale.yml (kubespray docs/operations/nodes.md).
/// - `failed` members are left alone until an operator reimages them (they then come back
///   through pending and installed).
public enum KubesprayRunPlan {
    public static func decide(_ inventory: KubesprayInventory, runInProgress: Bool) -> KubesprayRunDecision {
        if runInProgress { return .none("a run is in progress") }
        let installed = inventory.members.filter { $0.phase == .installed }
        guard !installed.isEmpty else { return .none("no member is waiting to be deployed") }
        let deployed = inventory.members.contains { $0.phase == .ready }
        if !deployed {
            let pending = inventory.members.filter { $0.phase == .pending }.map(\.name)
            guard pending.isEmpty else {
                return .none("waiting for \(pending.joined(separator: ", ")) to finish installing before the first deployment")
            }
            return .run(KubesprayRun(playbook: .cluster, limit: [], targets: installed.map(\.mac)))
        }
        if installed.allSatisfy({ $0.roles == [.node] }) {
            return .run(KubesprayRun(playbook: .scale, limit: installed.map(\.name), targets: installed.map(\.mac)))
        }
        return .run(KubesprayRun(playbook: .cluster, limit: [], targets: installed.map(\.mac)))
    }
}
