extension KubesprayInventory {
    /// `hosts.yaml` in the layout of kubespray's sample: `all.hosts` with each host's vars, and
    /// `all.children` with the groups (`hosts: {}` where a group is empty). Host names are
    /// double-quoted, so names like `true`, `null` or `1` stay strings (YAML 1.1 would read them as
    /// booleans, nulls or numbers).
    public var yaml: String {
        var text = "# Written by provisiond from the cluster's members; changes here are overwritten.\nall:\n  hosts:\n"
        for member in members {
            text += "    \(Self.quoted(member.name)):\n" + hostVars(member).map { "      \($0.0): \($0.1)\n" }.joined()
        }
        text += "  children:\n"
        for role in Self.groups {
            text += "    \(role.group):\n" + Self.hostsBlock(hosts(in: role))
        }
        text += "    k8s_cluster:\n      children:\n" + Self.clusterChildren.map { "        \($0):\n" }.joined()
        text += "    calico_rr:\n" + Self.hostsBlock([])
        return text
    }

    private static func hostsBlock(_ names: [String]) -> String {
        guard !names.isEmpty else { return "      hosts: {}\n" }
        return "      hosts:\n" + names.map { "        \(quoted($0)):\n" }.joined()
    }

    /// A YAML double-quoted scalar. Host names hold only letters, digits, `.`, `_` and `-`
    /// (`isHostName`), so there is nothing to escape inside the quotes.
    static func quoted(_ name: String) -> String { "\"" + name + "\"" }
}
