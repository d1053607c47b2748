extension KubesprayInventory {
    /// `inventory.ini` as in kubespray's inventory/sample: every host with its vars under
    /// `[all]`, then the groups, `k8s_cluster` as children, and an empty `calico_rr`.
    public var ini: String {
        var text = "# Written by provisiond from the cluster's members; changes here are overwritten.\n[all]\n"
        for member in members {
            text += member.name + hostVars(member).map { " \($0.0)=\($0.1)" }.joined() + "\n"
        }
        for role in Self.groups {
            text += "\n[\(role.group)]\n" + hosts(in: role).map { $0 + "\n" }.joined()
        }
        text += "\n[k8s_cluster:children]\n" + Self.clusterChildren.map { $0 + "\n" }.joined()
        text += "\n[calico_rr]\n"
        return text
    }
}
