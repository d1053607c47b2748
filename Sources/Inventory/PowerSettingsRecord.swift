/// How a machine's power is switched. `password` stays inside provisiond: never logged nor
/// answered (the API says `has_password`).
public struct PowerSettingsRecord: Equatable, Sendable {
    public enum Driver: String, Sendable, CaseIterable { case redfish, ipmi, proxmox }

    public var mac: String
    public var driver: Driver
    /// Redfish: `https://BMC[/redfish/v1/Systems/ID]`; IPMI: the BMC's host; Proxmox: the
    /// endpoint's name (the VM is the one recorded for the machine's MAC).
    public var address: String
    public var port: Int?
    public var username: String?
    public var password: String?
    public var cipherSuite: Int?
    public var caPEM: String?
    public var fingerprint: String?
    public var updatedAt: String

    public init(mac: String, driver: Driver, address: String, port: Int? = nil, username: String? = nil, password: String? = nil,
                cipherSuite: Int? = nil, caPEM: String? = nil, fingerprint: String? = nil, updatedAt: String = "") {
        self.mac = mac
        self.driver = driver
        self.address = address
        self.port = port
        self.username = username
        self.password = password
        self.cipherSuite = cipherSuite
        self.caPEM = caPEM
        self.fingerprint = fingerprint
        self.updatedAt = updatedAt
    }
}
