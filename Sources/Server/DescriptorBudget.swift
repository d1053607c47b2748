/// How the process's file descriptors are shared among the planes (issue 12 §4): each plane gets
/// its own budget out of the limit and a reserve stays for everything else (the database and its
/// WAL, listening and DHCP sockets, hook and kubespray pipes, curl to Proxmox), so a flood on one
/// plane neither starves another nor makes accept(2) fail with EMFILE. An operator's explicit
/// figure wins over the share.
struct DescriptorBudget: Equatable {
    let limit: Int
    let reserve: Int
    let httpConnections: Int
    let adminConnections: Int
    let tftpTransfers: Int

    /// Upper bounds of the shares on a machine with a huge limit: a TFTP transfer is a thread,
    /// and far more connections than these would be a flood, not a workload.
    static let shareCaps = (http: 16_384, admin: 1_024, tftp: 1_024)

    init(limit: Int, config: ServerConfig) {
        self.limit = limit
        reserve = max(64, limit / 8)
        let available = max(0, limit - reserve)
        // Half for the boot plane, at two descriptors a connection (its socket and the asset file
        // it sends); an eighth for the admin plane (one each); three eighths for TFTP (the
        // transfer's socket and file).
        httpConnections = config.httpConnections ?? max(1, min(Self.shareCaps.http, available / 4))
        adminConnections = config.adminConnections ?? max(1, min(Self.shareCaps.admin, available / 8))
        tftpTransfers = config.tftpTransfers ?? max(1, min(Self.shareCaps.tftp, available * 3 / 16))
    }

    /// Descriptors the planes may hold at most.
    var planes: Int { httpConnections * 2 + adminConnections + tftpTransfers * 2 }

    /// Whether the planes together may use descriptors the reserve was meant to keep (explicit
    /// figures too large for this limit).
    var overcommitted: Bool { planes > limit - reserve }
}
