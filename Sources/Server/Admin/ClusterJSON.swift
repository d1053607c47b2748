import Boot
import Inventory
import Wire

/// The admin API's JSON forms of clusters. Only `detail` carries the join token.
enum ClusterJSON {
    static func summary(_ cluster: Cluster, members: [Machine]) -> JSONValue {
        .object(fields(cluster) + [("members", .int(members.count))])
    }

    /// The whole cluster: members with their roles and states, the join URL and the token.
    static func detail(_ cluster: Cluster, members: [Machine], addresses: [MACAddress: IPv4Address]) -> JSONValue {
        let join = ClusterJoin.apiServer(cluster, members: members, addresses: addresses)
        let joinURL: JSONValue = join.map { .string($0.url) } ?? .null
        let memberValues = members.map { member(cluster, $0, address: addresses[$0.mac]) }
        return .object(fields(cluster) + [("joinUrl", joinURL), ("token", .string(cluster.token)), ("members", .array(memberValues))])
    }

    private static func member(_ cluster: Cluster, _ machine: Machine, address: IPv4Address?) -> JSONValue {
        .object([
            ("mac", .string(machine.mac.description)),
            ("hostname", machine.hostname.map(JSONValue.string) ?? .null),
            ("role", machine.role.map(JSONValue.string) ?? .null),
            ("state", .string(machine.state.rawValue)),
            ("ip", address.map { .string($0.description) } ?? .null),
            ("firstServer", .bool(machine.mac == cluster.firstServer)),
        ])
    }

    private static func fields(_ cluster: Cluster) -> [(String, JSONValue)] {
        [
            ("name", .string(cluster.name)),
            ("kind", .string(cluster.kind.rawValue)),
            ("version", cluster.version.map(JSONValue.string) ?? .null),
            ("tlsSans", .array(cluster.tlsSANs.map(JSONValue.string))),
            ("firstServer", cluster.firstServer.map { .string($0.description) } ?? .null),
            ("createdAt", .string(cluster.createdAt)),
        ]
    }
}
