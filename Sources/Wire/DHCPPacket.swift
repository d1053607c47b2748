/// A DHCP message (RFC 2131 §2): the BOOTP fixed header, the magic cookie and the options.
///
/// `decode` (in `DHCPPacket+Decode.swift`) never traps: anything that is not a DHCP message
/// throws a `DHCPDecodeError` naming the problem. `encode` never fails: fields that cannot be
/// represented are cut to fit and documented as such.
public struct DHCPPacket: Equatable, Sendable {
    /// 1 BOOTREQUEST (client to server), 2 BOOTREPLY (server to client) (RFC 2131 §2).
    public var op: UInt8
    /// Hardware address type, 1 for Ethernet (RFC 1700 ARP hardware types).
    public var htype: UInt8 = 1
    /// Hardware address length, 6 for Ethernet.
    public var hlen: UInt8 = 6
    /// Relay agent hops (RFC 1542 §4.1.1).
    public var hops: UInt8 = 0
    /// Transaction ID chosen by the client and echoed by the server.
    public var xid: UInt32
    /// Seconds since the client began acquiring an address.
    public var secs: UInt16 = 0
    /// Flags; only the top bit, broadcast, is defined (RFC 2131 §2, figure 2).
    public var flags: UInt16 = 0
    /// Client address, filled in by a client that already has one (BOUND, RENEW, REBIND, INFORM).
    public var ciaddr: IPv4Address = IPv4Address(rawValue: 0)
    /// "Your" address: the address a server offers or assigns.
    public var yiaddr: IPv4Address = IPv4Address(rawValue: 0)
    /// Next server: where the client fetches its boot file (RFC 2131 §2, PXE next-server).
    public var siaddr: IPv4Address = IPv4Address(rawValue: 0)
    /// Relay agent address (RFC 1542 §4.1.1); a server replies to it on port 67.
    public var giaddr: IPv4Address = IPv4Address(rawValue: 0)
    /// Client hardware address as on the wire: always exactly 16 bytes. Shorter values are
    /// padded with zeros and longer ones cut when assigned.
    public var chaddr: [UInt8] {
        didSet { if chaddr.count != Self.chaddrLength { chaddr = Self.fit(chaddr, to: Self.chaddrLength) } }
    }
    /// Server host name, NUL-terminated text in a 64-byte field (at most 63 bytes of UTF-8 are
    /// encoded). Empty when option 52 says the field carries options instead.
    public var sname: String
    /// Boot file name, NUL-terminated text in a 128-byte field (at most 127 bytes of UTF-8 are
    /// encoded). Empty when option 52 says the field carries options instead.
    public var file: String
    public var options: DHCPOptions

    public static let bootRequest: UInt8 = 1
    public static let bootReply: UInt8 = 2
    /// `flags` bit asking the server to broadcast its reply (RFC 2131 §4.1).
    public static let broadcastFlag: UInt16 = 0x8000
    /// 99.130.83.99, the first four bytes of the options field (RFC 2131 §3, RFC 1497).
    public static let magicCookie: UInt32 = 0x6382_5363
    /// Size of the fixed BOOTP header (RFC 2131 §2): the magic cookie starts here.
    public static let headerLength = 236
    /// The smallest DHCP message: the fixed header and the magic cookie.
    public static let minimumLength = headerLength + 4
    /// `encode` pads to this: the 300-byte BOOTP message of RFC 951 §3 (a 64-byte vendor area),
    /// which RFC 1542 relay agents and some PXE ROMs expect; shorter replies get dropped.
    public static let minimumEncodedLength = 300
    static let chaddrLength = 16
    static let snameRange = 44..<108
    static let fileRange = 108..<236

    public init(op: UInt8, xid: UInt32, htype: UInt8 = 1, hlen: UInt8 = 6, hops: UInt8 = 0, secs: UInt16 = 0,
                flags: UInt16 = 0, ciaddr: IPv4Address = IPv4Address(rawValue: 0), yiaddr: IPv4Address = IPv4Address(rawValue: 0),
                siaddr: IPv4Address = IPv4Address(rawValue: 0), giaddr: IPv4Address = IPv4Address(rawValue: 0), chaddr: [UInt8] = [],
                sname: String = "", file: String = "", options: DHCPOptions = DHCPOptions()) {
        self.op = op
        self.xid = xid
        self.htype = htype
        self.hlen = hlen
        self.hops = hops
        self.secs = secs
        self.flags = flags
        self.ciaddr = ciaddr
        self.yiaddr = yiaddr
        self.siaddr = siaddr
        self.giaddr = giaddr
        self.chaddr = Self.fit(chaddr, to: Self.chaddrLength)
        self.sname = sname
        self.file = file
        self.options = options
    }

    /// A message from or to an Ethernet client: htype 1, hlen 6, chaddr the MAC and ten zeros.
    public init(op: UInt8, xid: UInt32, clientMAC: MACAddress, options: DHCPOptions = DHCPOptions()) {
        self.init(op: op, xid: xid, chaddr: clientMAC.octets, options: options)
    }

    /// The client's MAC address when the hardware is Ethernet (htype 1, hlen 6); nil otherwise
    /// (InfiniBand and others identify themselves with option 61 instead, RFC 4390).
    public var clientMAC: MACAddress? {
        guard htype == 1, hlen == 6 else { return nil }
        return try? MACAddress(octets: Array(chaddr.prefix(6)))
    }

    /// Whether the broadcast flag is set (RFC 2131 §4.1): the client cannot receive unicast
    /// before it has an address, so the reply must go to 255.255.255.255.
    public var isBroadcast: Bool {
        get { flags & Self.broadcastFlag != 0 }
        set { flags = newValue ? flags | Self.broadcastFlag : flags & ~Self.broadcastFlag }
    }

    /// The wire form: header, magic cookie, the options in order (values over 255 bytes split,
    /// RFC 3396 §5), END, then zeros up to 300 bytes. Never overloads `sname` or `file` with
    /// options, so option 52 is not written even if present in `options`.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.minimumEncodedLength)
        bytes += [op, htype, hlen, hops]
        Self.append32(xid, to: &bytes)
        Self.append16(secs, to: &bytes)
        Self.append16(flags, to: &bytes)
        for address in [ciaddr, yiaddr, siaddr, giaddr] { Self.append32(address.rawValue, to: &bytes) }
        bytes += Self.fit(chaddr, to: Self.chaddrLength)
        bytes += Self.textField(sname, size: Self.snameRange.count)
        bytes += Self.textField(file, size: Self.fileRange.count)
        Self.append32(Self.magicCookie, to: &bytes)
        options.encode(into: &bytes, excluding: [DHCPOptionCode.overload])
        bytes.append(DHCPOptions.endCode)
        if bytes.count < Self.minimumEncodedLength {
            bytes += repeatElement(0, count: Self.minimumEncodedLength - bytes.count)
        }
        return bytes
    }

    static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift: UInt32 in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// `bytes` cut or zero-padded to exactly `size`.
    static func fit(_ bytes: [UInt8], to size: Int) -> [UInt8] {
        bytes.count >= size ? Array(bytes.prefix(size)) : bytes + repeatElement(0, count: size - bytes.count)
    }

    /// `text` as UTF-8 up to its first NUL, cut at a character boundary to leave room for the
    /// terminating NUL, zero-padded to `size`.
    static func textField(_ text: String, size: Int) -> [UInt8] {
        var utf8 = Array(text.utf8.prefix { $0 != 0 })
        if utf8.count > size - 1 {
            var end = size - 1
            // Back off over UTF-8 continuation bytes (10xxxxxx) so no character is split.
            while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }
            utf8.removeSubrange(end...)
        }
        return fit(utf8, to: size)
    }
}
