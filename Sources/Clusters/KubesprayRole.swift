/// A kubespray host group a machine belongs to (kubespray's inventory/sample: `kube_control_plane`,
/// `kube_node`, `etcd`). A machine's `role` names one or several, joined by commas, e.g.
/// `control-plane,etcd`.
public enum KubesprayRole: String, CaseIterable, Comparable, Sendable {
    case controlPlane = "control-plane"
    case node
    case etcd

    /// The inventory group kubespray reads for this role.
    public var group: String {
        switch self {
        case .controlPlane: "kube_control_plane"
        case .node: "kube_node"
        case .etcd: "etcd"
        }
    }

    public static func < (lhs: KubesprayRole, rhs: KubesprayRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Parses a machine's role string: one or more roles joined by commas (spaces around them
    /// are ignored). Unknown, empty and repeated roles are refused.
    public static func parseSet(_ text: String) throws(KubesprayRoleError) -> Set<KubesprayRole> {
        var roles: Set<KubesprayRole> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = item.trimmingSpaces
            guard !name.isEmpty else { throw .empty(input: text) }
            guard let role = KubesprayRole(rawValue: name) else { throw .unknown(role: name, input: text) }
            guard roles.insert(role).inserted else { throw .duplicate(role: name, input: text) }
        }
        return roles
    }

    /// The canonical role string for a set: roles in the order control-plane, node, etcd.
    public static func text(_ roles: Set<KubesprayRole>) -> String {
        roles.sorted().map(\.rawValue).joined(separator: ",")
    }
}

public enum KubesprayRoleError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty(input: String)
    case unknown(role: String, input: String)
    case duplicate(role: String, input: String)

    static let allowed = "roles: control-plane, node, etcd; several joined by commas, e.g. control-plane,etcd"

    public var description: String {
        switch self {
        case .empty(let input): "empty kubespray role in \"\(input)\" (\(Self.allowed))"
        case .unknown(let role, let input): "unknown kubespray role \"\(role)\" in \"\(input)\" (\(Self.allowed))"
        case .duplicate(let role, let input): "kubespray role \"\(role)\" is given twice in \"\(input)\" (\(Self.allowed))"
        }
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
