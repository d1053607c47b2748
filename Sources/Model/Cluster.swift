import Wire

/// How a cluster is bootstrapped (DESIGN.md §9).
public enum ClusterKind: String, CaseIterable, Sendable {
    /// Servers and agents join the first server with the cluster's token (config written by cloud-init).
    case k3s
    /// provisiond writes the inventory and runs kubespray's playbooks once members are installed.
    case kubespray
}

/// A cluster as the inventory knows it. Its members are the machines whose `cluster` names it.
public struct Cluster: Equatable, Sendable {
    public var name: String
    public var kind: ClusterKind
    /// k3s: the `INSTALL_K3S_VERSION` (e.g. `v1.31.4+k3s1`); kubespray: `kube_version`. Nil: the
    /// installer's default.
    public var version: String?
    /// Extra names and addresses for the API server certificate.
    public var tlsSANs: [String]
    /// The join token, made by provisiond from the kernel's CSPRNG.
    public var token: String
    /// k3s: the server that runs `cluster-init`; the others join it.
    public var firstServer: MACAddress?
    public var createdAt: String

    public init(name: String, kind: ClusterKind, version: String?, tlsSANs: [String], token: String, firstServer: MACAddress?,
                createdAt: String) {
        self.name = name
        self.kind = kind
        self.version = version
        self.tlsSANs = tlsSANs
        self.token = token
        self.firstServer = firstServer
        self.createdAt = createdAt
    }
}

/// What an operator gives to create a cluster.
public struct ClusterSpec: Equatable, Sendable {
    public var name: String
    public var kind: ClusterKind
    public var version: String?
    public var tlsSANs: [String]

    public init(name: String, kind: ClusterKind, version: String? = nil, tlsSANs: [String] = []) {
        self.name = name
        self.kind = kind
        self.version = version
        self.tlsSANs = tlsSANs
    }
}
