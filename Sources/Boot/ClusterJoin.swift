import Model
import Wire

/// The API server a cluster's members join (DESIGN.md §9): for k3s the recorded first server, for
/// kubespray the first control-plane member, at the address it can be reached on.
public struct ClusterJoin: Equatable, Sendable {
    public let server: Machine
    public let address: IPv4Address

    /// 6443: the Kubernetes API server's (and k3s supervisor's) port.
    public var url: String { "https://\(address):6443" }

    /// Nil until that member is chosen and has an address.
    public static func apiServer(_ cluster: Cluster, members: [Machine], addresses: [MACAddress: IPv4Address]) -> ClusterJoin? {
        let server = switch cluster.kind {
        case .k3s: members.first { $0.mac == cluster.firstServer }
        case .kubespray: members.first { ($0.role ?? "").split(separator: ",").contains("control-plane") && $0.state != .retired }
        }
        guard let server, let address = addresses[server.mac] else { return nil }
        return ClusterJoin(server: server, address: address)
    }
}
