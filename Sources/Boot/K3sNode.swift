import Model
import Wire

/// What a k3s member's cloud-init installs (DESIGN.md §9): `/etc/rancher/k3s/config.yaml` and the
/// installer's environment. The first server initialises the cluster; every other member joins it
/// only once it is installed, so a join never races an absent server.
public struct K3sNode: Equatable, Sendable {
    /// `server` or `agent`: the k3s subcommand (`INSTALL_K3S_EXEC`).
    public let role: String
    public let clusterInit: Bool
    /// `https://FIRST:6443` for joining members; nil for the first server.
    public let serverURL: String?
    /// The contents of `/etc/rancher/k3s/config.yaml`.
    public let configYAML: String

    /// Why a member cannot be served its join config yet, or cannot be at all.
    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        /// Come back later: the first server is not installed (or has no address) yet.
        case waitForServer(String)
        /// The machine's data do not make a k3s member.
        case invalid(String)

        public var description: String {
            switch self {
            case .waitForServer(let reason), .invalid(let reason): reason
            }
        }
    }

    /// - Parameters:
    ///   - address: where `machine` is reached (its `node-ip`), when known.
    ///   - join: the cluster's first server and its address, when known (`ClusterJoin.apiServer`).
    public static func make(cluster: Cluster, machine: Machine, address: IPv4Address?, join: ClusterJoin?) throws(Problem) -> K3sNode {
        guard cluster.kind == .k3s else { throw .invalid("cluster \(cluster.name) is a \(cluster.kind.rawValue) cluster, not k3s") }
        guard let role = machine.role, ClusterRoles.k3s.contains(role) else {
            throw .invalid("\(machine.mac) has role \(machine.role ?? "none") in k3s cluster \(cluster.name): use server or agent")
        }
        let isFirst = machine.mac == cluster.firstServer
        var serverURL: String?
        if !isFirst {
            guard let first = cluster.firstServer else {
                throw .waitForServer("k3s cluster \(cluster.name) has no server yet: register one with --role server")
            }
            guard let join, join.server.mac == first, [.installed, .ready].contains(join.server.state) else {
                let state = join?.server.state.rawValue ?? "without an address"
                throw .waitForServer("k3s cluster \(cluster.name): first server \(first) is \(state), not installed yet")
            }
            serverURL = join.url
        }
        var lines = ["token: \(TemplateEscaping.quoteYAML(cluster.token))"]
        if isFirst { lines.append("cluster-init: true") }
        if let serverURL { lines.append("server: \(TemplateEscaping.quoteYAML(serverURL))") }
        if let hostname = machine.hostname { lines.append("node-name: \(TemplateEscaping.quoteYAML(hostname))") }
        if let address { lines.append("node-ip: \(TemplateEscaping.quoteYAML(address.description))") }
        // tls-san is a server flag: an agent refuses it.
        if role == "server", !cluster.tlsSANs.isEmpty { lines += list("tls-san", cluster.tlsSANs) }
        let labels = machine.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if !labels.isEmpty { lines += list("node-label", labels) }

        return K3sNode(role: role, clusterInit: isFirst, serverURL: serverURL, configYAML: lines.joined(separator: "\n") + "\n")
    }

    private static func list(_ key: String, _ items: [String]) -> [String] {
        ["\(key):"] + items.map { "  - \(TemplateEscaping.quoteYAML($0))" }
    }
}
