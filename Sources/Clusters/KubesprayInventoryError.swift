/// Why a cluster's members do not make an inventory kubespray would accept. The first two read
/// like kubespray's own assertions (roles/validate_inventory: "Stop if kube_control_plane group
/// is empty", "Stop if even number of etcd hosts").
public enum KubesprayInventoryError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyControlPlane
    case emptyEtcd
    case evenEtcd(hosts: [String])
    case missingAddress(host: String)
    case missingRole(host: String)
    case badHostName(String)
    case duplicateHostName(String)

    public var description: String {
        switch self {
        case .emptyControlPlane:
            "Stop if kube_control_plane group is empty: no member has the control-plane role"
        case .emptyEtcd:
            "Stop if etcd group is empty: no member has the etcd role (etcd needs an odd number of hosts, at least 1)"
        case .evenEtcd(let hosts):
            "Stop if even number of etcd hosts: etcd has \(hosts.count) (\(hosts.joined(separator: ", "))); it needs an odd number for quorum"
        case .missingAddress(let host):
            "host \(host) has no IP address: kubespray needs ansible_host, ip and access_ip (set the machine's ip)"
        case .missingRole(let host):
            "host \(host) has no kubespray role: give it control-plane, node and/or etcd"
        case .badHostName(let name):
            "host name \"\(name)\" cannot be an inventory host: use letters, digits, '.', '_' and '-'"
        case .duplicateHostName(let name):
            "host name \"\(name)\" is used by two members: inventory host names must be unique"
        }
    }
}
