import Boot
import Inventory
import Wire

/// `GET /cloud-init/MAC/k3s-config?token=...`: a k3s member's `/etc/rancher/k3s/config.yaml`
/// (DESIGN.md §9). The first server gets `cluster-init` at once; every other member gets 503 with
/// Retry-After until the first server is installed, so its join script waits instead of racing an
/// absent server.
struct K3sConfigResponder {
    let inventory: Inventory
    let log: Logger

    /// Seconds a waiting member is told to wait before asking again.
    static let retryAfter = 15

    /// The states in which a member may fetch its config: its install, up to `ready`.
    static let servedStates: Set<MachineState> = [.booting, .installing, .installed]

    func respond(_ machine: Machine, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        if let refusal = try InstallTokenCheck(inventory: inventory, log: log).refusal(request, machine, what: "k3s-config") {
            return refusal
        }
        // The cluster token is served only while the machine installs (DESIGN.md §11): once it is
        // ready (or failed, or reimaged) a leaked install token or a later request gets nothing.
        guard Self.servedStates.contains(machine.state) else {
            let why = "\(machine.mac) is \(machine.state.rawValue): k3s-config is served only while it is booting, installing or installed"
            try inventory.record("k3s-config-refused", for: machine.mac, source: "http", detail: why)
            log.warning("k3s-config-refused", ["mac": machine.mac.description, "why": why])
            return .error(403, why)
        }
        let node: K3sNode
        do { node = try Self.node(for: machine, inventory) } catch {
            switch error {
            case .waitForServer(let reason):
                log.info("k3s-join-waiting", ["mac": machine.mac.description, "why": reason])
                var response = HTTPResponse.error(503, reason)
                response.headers.add("Retry-After", String(Self.retryAfter))
                return response
            case .invalid(let reason):
                try inventory.record("k3s-config-failed", for: machine.mac, source: "http", detail: reason)
                log.error("k3s-config-failed", ["mac": machine.mac.description, "error": reason])
                return .error(409, reason)
            }
        }
        let detail = node.clusterInit ? "cluster-init" : "server=\(node.serverURL ?? "")"
        try inventory.record("k3s-config", for: machine.mac, source: "http", detail: "\(node.role) \(detail)")
        log.info("k3s-config", ["mac": machine.mac.description, "role": node.role, "join": detail])
        var response = HTTPResponse(status: 200, contentType: "text/yaml; charset=utf-8", body: node.configYAML)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    /// The member's k3s config as it stands now, with no side effect (also `provisionctl render
    /// MAC k3s-config`).
    static func node(for machine: Machine, _ inventory: Inventory) throws(K3sNode.Problem) -> K3sNode {
        do {
            guard let name = machine.cluster else { throw K3sNode.Problem.invalid("\(machine.mac) is not in a cluster") }
            let (cluster, members) = try inventory.clusterWithMembers(named: name)
            var addresses: [MACAddress: IPv4Address] = [:]
            for member in members where member.mac == machine.mac || member.mac == cluster.firstServer {
                addresses[member.mac] = try inventory.address(of: member)
            }
            let join = ClusterJoin.apiServer(cluster, members: members, addresses: addresses)
            return try K3sNode.make(cluster: cluster, machine: machine, address: addresses[machine.mac], join: join)
        } catch let problem as K3sNode.Problem {
            throw problem
        } catch {
            throw .invalid("inventory: \(error)")
        }
    }
}
