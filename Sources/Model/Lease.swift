import Wire

public enum LeaseState: String, Sendable, CaseIterable {
    /// ACKed to the client until `expires`.
    case bound
    /// The client found the address in use (DHCPDECLINE): quarantined until `expires`.
    case declined
    /// Given back (DHCPRELEASE) or expired: free, but remembered so the client gets it again.
    case released
}

/// One address's binding in full DHCP mode.
public struct Lease: Equatable, Sendable {
    public var ip: IPv4Address
    public var mac: MACAddress
    /// Option 61, hex; identifies the client before its MAC when present (RFC 2131 §4.2).
    public var clientID: String?
    public var hostname: String?
    public var state: LeaseState
    /// Unix seconds.
    public var expires: Int
    public var updatedAt: String

    public init(ip: IPv4Address, mac: MACAddress, clientID: String? = nil, hostname: String? = nil, state: LeaseState, expires: Int,
                updatedAt: String = "") {
        self.ip = ip
        self.mac = mac
        self.clientID = clientID
        self.hostname = hostname
        self.state = state
        self.expires = expires
        self.updatedAt = updatedAt
    }
}

/// What a machine's network requests said about it.
public struct Sighting: Equatable, Sendable {
    public var arch: Int?
    public var uuid: String?
    public var vendorClass: String?
    public var userClass: String?
    public var relay: IPv4Address?
    public var circuitID: String?
    public var remoteID: String?
    public var firstSeen: String
    public var lastSeen: String

    public init(arch: Int? = nil, uuid: String? = nil, vendorClass: String? = nil, userClass: String? = nil, relay: IPv4Address? = nil,
                circuitID: String? = nil, remoteID: String? = nil, firstSeen: String = "", lastSeen: String = "") {
        self.arch = arch
        self.uuid = uuid
        self.vendorClass = vendorClass
        self.userClass = userClass
        self.relay = relay
        self.circuitID = circuitID
        self.remoteID = remoteID
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }

    /// The facts as `key=value` pairs, for an event's detail.
    public var summary: String {
        var parts: [String] = []
        if let arch { parts.append("arch=\(arch)") }
        if let uuid { parts.append("uuid=\(uuid)") }
        if let vendorClass { parts.append("vendor-class=\(vendorClass)") }
        if let userClass { parts.append("user-class=\(userClass)") }
        if let relay { parts.append("relay=\(relay)") }
        if let circuitID { parts.append("circuit-id=\(circuitID)") }
        if let remoteID { parts.append("remote-id=\(remoteID)") }
        return parts.joined(separator: " ")
    }

    /// The same facts, ignoring when they were seen.
    public func sameFacts(as other: Sighting) -> Bool {
        var a = self, b = other
        (a.firstSeen, a.lastSeen, b.firstSeen, b.lastSeen) = ("", "", "", "")
        return a == b
    }
}
