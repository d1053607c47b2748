import Boot

/// Everything provisiond needs to start. Defaults make a working server with no config at all.
public struct ServerConfig: Sendable, Equatable {
    /// Holds the database and the admin token.
    public var dataDir = "./provision-data"
    /// The boot plane, reached by machines on the provisioning network.
    public var httpListen = "0.0.0.0:8080"
    /// The admin API, loopback only unless an operator says otherwise.
    public var adminListen = "127.0.0.1:8081"
    /// A listener serving only `/metrics`, for a Prometheus that holds no admin token; nil: none
    /// (the admin API serves `/metrics` behind its token).
    public var metricsListen: String?
    public var logLevel: Logger.Level = .info
    /// DHCP: proxy (default), full with subnets, or off.
    public var dhcp = DHCPSettings()
    /// TFTP, for firmware that loads iPXE; nil turns it off.
    public var tftpListen: String? = "0.0.0.0:69"
    /// Files served over TFTP besides the iPXE binaries; nil means `<dataDir>/tftp`.
    public var tftpRoot: String?
    /// Where the iPXE binaries are: Debian's `ipxe` package.
    public var ipxeDir = "/usr/lib/ipxe"
    /// Retransmissions of one TFTP window before a silent client is given up.
    public var tftpRetries = 5
    /// Files served under `/assets/`; nil means `<dataDir>/assets`.
    public var assetsDir: String?
    /// Boot profile directories, `NAME.json` each, the first holding a name wins (an operator's
    /// own before the shipped ones); nil means `./profiles`, skipped with a warning when missing.
    public var profilesDirs: [String]?
    /// Where the templates profiles name are looked up, first wins; nil means `./cloud-init`.
    public var cloudInitDirs: [String]?
    /// How machines reach the boot plane, e.g. `http://10.77.0.1:8080`; nil derives it from the
    /// address each request arrives on.
    public var serverURL: String?
    public var discovery: DiscoveryPolicy = .ignore
    /// Under `hold`, discovered machines boot this profile (the deploy environment) once to report
    /// their hardware before an operator adopts them; nil: they only wait.
    public var commissionProfile: String?
    /// Discovered machines kept; the oldest are pruned beyond it (DESIGN.md §11).
    public var discoveryLimit = 1000
    /// Discovery and sighting writes a second, all MACs together.
    public var discoveryRate = 50.0
    /// What proves a boot-plane request naming a machine is that machine's (DESIGN.md §11); a
    /// profile's `metadataTrust` wins.
    public var metadataTrust: MetadataTrust = .address
    /// Seconds an HTTP connection may sit without a complete request before it is closed.
    public var idleTimeout: Double = 60
    /// Seconds from a request's first byte to the end of its head (slowloris), and from the end
    /// of its head to the end of its body; past either the client gets 408 and is cut off.
    public var requestHeadTimeout: Double = 10
    public var requestBodyTimeout: Double = 60
    /// Connections held at once on the boot plane, the admin plane, and TFTP transfers at once;
    /// nil takes the plane's share of the descriptor limit (`DescriptorBudget`).
    public var httpConnections: Int?
    public var adminConnections: Int?
    public var tftpTransfers: Int?
    /// The same from one source address: iPXE and an installer hold a few connections at once,
    /// firmware loads one file at a time. The admin API is behind its token and mostly reached
    /// from the host itself (provisionctl, Prometheus, scripts all on 127.0.0.1), so by default
    /// one address may use the whole admin share.
    public var httpConnectionsPerAddress = 32
    public var adminConnectionsPerAddress = 1024
    public var tftpTransfersPerAddress = 8
    /// Executables run on every inventory change (DESIGN.md §9); nil means `<dataDir>/hooks`.
    public var hooksDir: String?
    /// Seconds one hook may run before it is stopped.
    public var hookTimeout: Double = 60
    /// The playbook command for kubespray clusters; `-i INVENTORY PLAYBOOK [--limit ...]` follow.
    public var kubesprayCommand = ["ansible-playbook", "-b"]
    /// Where the playbook command runs (a kubespray checkout); nil means the cluster's directory.
    public var kubesprayDir: String?
    /// Seconds one playbook run may take before it is stopped.
    public var kubesprayTimeout: Double = 3600
    /// Seconds a machine may stay `booting`/`installing` without reporting before it fails
    /// (DESIGN.md §12); a profile's `installTimeout` wins.
    public var installTimeout: Double = 3600
    /// Seconds a Proxmox task (UPID) may run before the operation waiting on it gives up.
    public var proxmoxTaskTimeout: Double = 3600
    /// Seconds between power poller ticks (`PowerPoller`); nil: no poller.
    public var powerPollInterval: Double?

    public init() {}

    public var databasePath: String { dataDir + "/provision.db" }
    public var resolvedAssetsDir: String { assetsDir ?? dataDir + "/assets" }
    public var resolvedTFTPRoot: String { tftpRoot ?? dataDir + "/tftp" }
    public var adminTokenPath: String { dataDir + "/admin.token" }
    public var resolvedProfilesDirs: [String] { profilesDirs ?? ["./profiles"] }
    public var resolvedCloudInitDirs: [String] { cloudInitDirs ?? ["./cloud-init"] }
    public var resolvedHooksDir: String { hooksDir ?? dataDir + "/hooks" }
    /// Kubespray inventories and run logs, `clusters/NAME/` each.
    public var clustersDir: String { dataDir + "/clusters" }
}
