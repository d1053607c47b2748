/// A kubespray cluster's inventory, validated: at least one control-plane host and an odd number
/// of etcd hosts, every host with a name ansible can read unquoted, an address and a role. Hosts are
/// ordered by name so the same members always give the same files.
public struct KubesprayInventory: Equatable, Sendable {
    public let members: [KubesprayMember]

    public init(members: [KubesprayMember]) throws(KubesprayInventoryError) {
        let sorted = members.sorted { $0.name < $1.name }
        var previous: String?
        for member in sorted {
            guard Self.isHostName(member.name) else { throw .badHostName(member.name) }
            guard member.name != previous else { throw .duplicateHostName(member.name) }
            guard member.ip != nil else { throw .missingAddress(host: member.name) }
            guard !member.roles.isEmpty else { throw .missingRole(host: member.name) }
            previous = member.name
        }
        self.members = sorted
        guard !hosts(in: .controlPlane).isEmpty else { throw .emptyControlPlane }
        let etcd = hosts(in: .etcd)
        guard !etcd.isEmpty else { throw .emptyEtcd }
        guard etcd.count % 2 == 1 else { throw .evenEtcd(hosts: etcd) }
    }

    /// Names of the hosts in a role's group, in order.
    public func hosts(in role: KubesprayRole) -> [String] {
        members.filter { $0.roles.contains(role) }.map(\.name)
    }

    /// The groups in the order both renderings write them.
    static let groups: [KubesprayRole] = [.controlPlane, .node, .etcd]

    /// `k8s_cluster` is the union of these (kubespray's inventory/sample).
    static let clusterChildren = ["kube_control_plane", "kube_node"]

    /// Host vars: where ansible connects, and the address kubernetes binds and advertises.
    func hostVars(_ member: KubesprayMember) -> [(String, String)] {
        let ip = member.ip?.description ?? ""
        return [("ansible_host", ip), ("ip", ip), ("access_ip", ip)]
    }

    /// Host names are written bare in INI (no quoting exists there: a space, `=`, `#`, `;`, `[`
    /// or `:` would change the line's meaning), so only these characters are allowed. Machines'
    /// hostnames (RFC 1123) always qualify.
    static func isHostName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || Array("._-".utf8).contains(byte)
        }
    }
}
