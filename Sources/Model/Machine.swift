import Wire

/// A machine as the inventory knows it.
public struct Machine: Equatable, Sendable {
    public var mac: MACAddress
    public var hostname: String?
    public var profile: String?
    public var role: String?
    public var cluster: String?
    public var ip: IPv4Address?
    public var state: MachineState
    /// cloud-init's instance-id: a new one on reimage makes cloud-init run again.
    public var instanceID: String
    /// The secret a machine's phone-home must present; rotated on reimage.
    public var installToken: String
    public var labels: [String: String]
    /// Extra NICs that belong to this machine (the primary MAC is `mac`).
    public var nics: [MACAddress]
    public var createdAt: String
    public var updatedAt: String

    public init(mac: MACAddress, hostname: String?, profile: String?, role: String?, cluster: String?, ip: IPv4Address?,
                state: MachineState, instanceID: String, installToken: String, labels: [String: String], nics: [MACAddress],
                createdAt: String, updatedAt: String) {
        self.mac = mac
        self.hostname = hostname
        self.profile = profile
        self.role = role
        self.cluster = cluster
        self.ip = ip
        self.state = state
        self.instanceID = instanceID
        self.installToken = installToken
        self.labels = labels
        self.nics = nics
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One row of a machine's timeline. Transitions have both states; other records (an update, a
/// refused phone-home) carry the state they happened in as both.
public struct MachineEvent: Equatable, Sendable {
    public var id: Int64
    public var mac: MACAddress
    public var at: String
    public var event: String
    public var from: MachineState?
    public var to: MachineState?
    public var source: String
    public var detail: String

    public init(id: Int64, mac: MACAddress, at: String, event: String, from: MachineState?, to: MachineState?, source: String,
                detail: String) {
        self.id = id
        self.mac = mac
        self.at = at
        self.event = event
        self.from = from
        self.to = to
        self.source = source
        self.detail = detail
    }
}

/// What an operator says about a machine when registering or adopting it.
public struct MachineSpec: Equatable, Sendable {
    public var hostname: String
    public var profile: String
    public var role: String?
    public var cluster: String?
    public var ip: IPv4Address?
    public var labels: [String: String]
    public var nics: [MACAddress]

    public init(hostname: String, profile: String, role: String? = nil, cluster: String? = nil, ip: IPv4Address? = nil,
                labels: [String: String] = [:], nics: [MACAddress] = []) {
        self.hostname = hostname
        self.profile = profile
        self.role = role
        self.cluster = cluster
        self.ip = ip
        self.labels = labels
        self.nics = nics
    }
}

/// A partial update: nil leaves a field alone; `.some(nil)` clears an optional one.
public struct MachinePatch: Equatable, Sendable {
    public var hostname: String?
    public var profile: String?
    public var role: String??
    public var cluster: String??
    public var ip: IPv4Address??
    public var labels: [String: String]?
    public var nics: [MACAddress]?

    public init(hostname: String? = nil, profile: String? = nil, role: String?? = nil, cluster: String?? = nil,
                ip: IPv4Address?? = nil, labels: [String: String]? = nil, nics: [MACAddress]? = nil) {
        self.hostname = hostname
        self.profile = profile
        self.role = role
        self.cluster = cluster
        self.ip = ip
        self.labels = labels
        self.nics = nics
    }

    public var isEmpty: Bool { self == MachinePatch() }
}
