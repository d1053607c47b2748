import Wire

/// A machine of a kubespray cluster as the inventory and the run plan see it.
public struct KubesprayMember: Equatable, Sendable {
    /// Where the machine is, as far as deploying kubespray is concerned.
    public enum Phase: Equatable, Sendable {
        /// Registered, booting or installing: not ready for ansible yet.
        case pending
        /// Installed and phoned home, not yet deployed by a playbook run.
        case installed
        /// Deployed by a successful run.
        case ready
        /// Failed to install or deploy: not retried until it is reimaged.
        case failed
    }

    public var mac: MACAddress
    /// The inventory host name: the machine's hostname.
    public var name: String
    public var ip: IPv4Address?
    public var roles: Set<KubesprayRole>
    public var phase: Phase

    public init(mac: MACAddress, name: String, ip: IPv4Address?, roles: Set<KubesprayRole>, phase: Phase) {
        self.mac = mac
        self.name = name
        self.ip = ip
        self.roles = roles
        self.phase = phase
    }
}
