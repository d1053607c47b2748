import Clusters

extension ClusterRoles {
    /// The roles a machine's `role` text names: comma-separated, in the kind's order.
    public static func parse(_ role: String?, kind: ClusterKind, cluster: String) throws(InventoryError) -> [String] {
        guard let role, !role.isEmpty else {
            throw .invalid("a member of \(kind.rawValue) cluster \(cluster) needs a role: \(allowed(kind))")
        }
        if kind == .kubespray {
            do { return try KubesprayRole.parseSet(role).sorted().map(\.rawValue) } catch { throw .invalid("cluster \(cluster): \(error.description)") }
        }
        let names = role.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let known = k3s
        for name in names where !known.contains(name) {
            throw .invalid("unknown role \"\(name)\" in \(kind.rawValue) cluster \(cluster): use \(allowed(kind))")
        }
        guard Set(names).count == names.count else { throw .invalid("role \"\(role)\" names a role twice") }
        if names.count > 1 { throw .invalid("a k3s machine has one role, server or agent, not \"\(role)\"") }
        return known.filter(names.contains)
    }

    private static func allowed(_ kind: ClusterKind) -> String {
        kind == .k3s ? "server or agent" : "one or more of control-plane, node, etcd (comma-separated)"
    }
}
