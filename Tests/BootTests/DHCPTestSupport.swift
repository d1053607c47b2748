@testable import Boot
import Model
import Testing
import Wire

/// Requests, contexts and a small server harness for the DHCP policy tests. Everything is a
/// value: no sockets, no clock.
enum DHCPFixture {
    static func ip(_ text: String) -> IPv4Address { try! IPv4Address(text) }
    static func mac(_ text: String) -> MACAddress { try! MACAddress(text) }

    static let zero = IPv4Address(rawValue: 0)
    /// Our address on the provisioning interface.
    static let server = ip("10.77.0.1")
    static let otherServer = ip("10.77.0.2")
    static let relay78 = ip("10.78.0.1")

    static let macA = mac("aa:bb:cc:dd:ee:01")
    static let macB = mac("aa:bb:cc:dd:ee:02")
    static let macC = mac("aa:bb:cc:dd:ee:03")
    /// The n-th of many distinct clients (n < 256).
    static func client(_ n: Int) -> MACAddress { try! MACAddress(octets: [0x52, 0x54, 0x00, 0x10, 0x00, UInt8(n)]) }

    /// Option 97: type 0 and a 16-byte GUID.
    static let uuid: [UInt8] = [0] + (1...16).map { UInt8($0) }
    static let noReservations: @Sendable (IPv4Address) -> MACAddress? = { _ in nil }

    static let registered = KnownMachine(state: .registered, reservedAddress: nil)

    // MARK: requests

    /// A BOOTREQUEST from `mac` with message type `type`; `configure` adds the rest.
    static func request(_ type: DHCPMessageType?, mac: MACAddress, xid: UInt32 = 0x1234_5678, ciaddr: IPv4Address = zero,
                        giaddr: IPv4Address = zero, requested: IPv4Address? = nil, serverID: IPv4Address? = nil,
                        clientID: [UInt8]? = nil, configure: (inout DHCPOptions) -> Void = { _ in }) -> DHCPPacket {
        var options = DHCPOptions()
        options.messageType = type
        options.requestedAddress = requested
        options.serverIdentifier = serverID
        options.clientIdentifier = clientID
        configure(&options)
        var packet = DHCPPacket(op: 1, xid: xid, clientMAC: mac, options: options)
        packet.ciaddr = ciaddr
        packet.giaddr = giaddr
        return packet
    }

    /// What a PXE ROM sends: vendor class, architecture, NDI and UUID.
    static func pxe(arch: UInt16) -> (inout DHCPOptions) -> Void {
        { options in
            options.vendorClass = "PXEClient:Arch:\(String(repeating: "0", count: 5 - String(arch).count))\(arch):UNDI:002001"
            options.clientArchitectures = [arch]
            options.clientNDI = [1, 2, 1]
            options.clientUUID = uuid
        }
    }

    /// UEFI HTTP boot firmware.
    static func httpClient(arch: UInt16) -> (inout DHCPOptions) -> Void {
        { options in
            options.vendorClass = "HTTPClient:Arch:000\(arch):UNDI:003000"
            options.clientArchitectures = [arch]
        }
    }

    /// iPXE after chainloading: bare user class `iPXE` (as iPXE sends it) and its PXE vendor class.
    static func ipxe(arch: UInt16) -> (inout DHCPOptions) -> Void {
        { options in
            options.vendorClass = "PXEClient:Arch:0000\(arch):UNDI:002001"
            options.clientArchitectures = [arch]
            options[DHCPOptionCode.userClass] = Array("iPXE".utf8)
        }
    }

    static func context(server: IPv4Address = server, port: UInt16 = 67, source: (IPv4Address, UInt16) = (zero, 68),
                        now: Int = 1_000, machine: KnownMachine? = registered) -> DHCPRequestContext {
        DHCPRequestContext(serverAddress: server, port: port, source: source, now: now, machine: machine)
    }

    // MARK: configuration

    static func subnet77(range: (String, String) = ("10.77.0.100", "10.77.0.110")) -> DHCPSubnet {
        try! DHCPSubnet(cidr: "10.77.0.0/24", range: (ip(range.0), ip(range.1)), router: ip("10.77.0.1"), dns: [ip("10.77.0.1")],
                        leaseSeconds: 3600)
    }

    static let subnet78 = try! DHCPSubnet(cidr: "10.78.0.0/24", range: (ip("10.78.0.100"), ip("10.78.0.110")),
                                          router: ip("10.78.0.1"), leaseSeconds: 7200)

    static func proxyPolicy(discovery: DiscoveryPolicy = .ignore, serverURL: String? = nil, preferSNPOnly: Bool = false) -> DHCPServerPolicy {
        DHCPServerPolicy(mode: .proxy, subnets: [], discovery: discovery, serverURL: serverURL, httpPort: 8080,
                         preferSNPOnly: preferSNPOnly, leases: [])
    }
}

/// A full-mode server under test, with shorthand for the client's side of RFC 2131.
struct FullServer {
    typealias F = DHCPFixture
    var policy: DHCPServerPolicy
    var reservedFor: (IPv4Address) -> MACAddress? = { _ in nil }

    init(subnets: [DHCPSubnet] = [DHCPFixture.subnet77()], discovery: DiscoveryPolicy = .ignore, leases: [Lease] = []) {
        policy = DHCPServerPolicy(mode: .full, subnets: subnets, discovery: discovery, serverURL: nil, httpPort: 8080, leases: leases)
    }

    mutating func send(_ packet: DHCPPacket, now: Int = 1_000, machine: KnownMachine? = nil, source: (IPv4Address, UInt16) = (F.zero, 68))
        -> DHCPOutcome {
        policy.handle(packet, F.context(source: source, now: now, machine: machine), reservedFor: reservedFor)
    }

    mutating func discover(_ mac: MACAddress, clientID: [UInt8]? = nil, giaddr: IPv4Address = F.zero, requested: IPv4Address? = nil,
                           now: Int = 1_000, machine: KnownMachine? = nil) -> DHCPOutcome {
        send(F.request(.discover, mac: mac, giaddr: giaddr, requested: requested, clientID: clientID), now: now, machine: machine)
    }

    /// The address offered, nil when nothing was.
    mutating func offered(_ mac: MACAddress, clientID: [UInt8]? = nil, now: Int = 1_000, machine: KnownMachine? = nil) -> IPv4Address? {
        discover(mac, clientID: clientID, now: now, machine: machine).reply.map(\.packet.yiaddr)
    }

    /// REQUEST in SELECTING state, answering our offer of `address`.
    mutating func select(_ mac: MACAddress, _ address: IPv4Address, clientID: [UInt8]? = nil, serverID: IPv4Address = F.server,
                         now: Int = 1_000, machine: KnownMachine? = nil) -> DHCPOutcome {
        send(F.request(.request, mac: mac, requested: address, serverID: serverID, clientID: clientID), now: now, machine: machine)
    }

    /// The address offered; throws (failing the test) when nothing was.
    mutating func mustOffer(_ mac: MACAddress, clientID: [UInt8]? = nil, now: Int = 1_000, machine: KnownMachine? = nil) throws -> IPv4Address {
        let outcome = discover(mac, clientID: clientID, now: now, machine: machine)
        guard let reply = outcome.reply, reply.packet.options.messageType == .offer else {
            throw DHCPTestFailure(description: "no offer for \(mac): \(outcome.note ?? "-")")
        }
        return reply.packet.yiaddr
    }

    /// DISCOVER then REQUEST; throws (failing the test) unless the client ends up bound.
    @discardableResult
    mutating func acquire(_ mac: MACAddress, clientID: [UInt8]? = nil, now: Int = 1_000, machine: KnownMachine? = nil) throws -> IPv4Address {
        let address = try mustOffer(mac, clientID: clientID, now: now, machine: machine)
        let ack = select(mac, address, clientID: clientID, now: now, machine: machine)
        guard ack.reply?.packet.options.messageType == .ack, ack.leases.first?.ip == address else {
            throw DHCPTestFailure(description: "no ACK for \(mac) at \(address): \(ack.note ?? "-")")
        }
        return address
    }
}

struct DHCPTestFailure: Error, CustomStringConvertible {
    let description: String
}
