import Clusters

/// The roles a machine may have in a cluster of each kind (DESIGN.md §9). Parsing a machine's
/// role text against them is the inventory's (`ClusterRoles.parse`).
public enum ClusterRoles {
    /// k3s: one role per machine.
    public static let k3s = ["server", "agent"]
    /// kubespray: the inventory groups; a machine may have several (`control-plane,etcd`).
    public static let kubespray = KubesprayRole.allCases.map(\.rawValue)
}
