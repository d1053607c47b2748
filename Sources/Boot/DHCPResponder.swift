import Model
import Wire

public enum DHCPMode: String, Sendable, CaseIterable {
    /// Answer only netboot clients, with boot information and no address, beside the network's
    /// own DHCP server (the PXE specification's proxyDHCP, ports 67 and 4011).
    case proxy
    /// Be the network's DHCP server for the configured subnets.
    case full
}

/// Where a reply goes (RFC 2131 §4.1).
public enum DHCPDestination: Equatable, Sendable {
    /// To the relay agent that forwarded the request, port 67.
    case relay(IPv4Address)
    /// Unicast to an address the client already has, at `port`.
    case client(IPv4Address, port: UInt16)
    /// 255.255.255.255:68 on the interface the request came in on. Also used where RFC 2131
    /// would unicast to a client's new address: that needs an ARP entry the client cannot answer
    /// for yet, and every client listens for broadcasts while it has no address.
    case broadcast
}

public struct DHCPReply: Equatable, Sendable {
    public let packet: DHCPPacket
    public let destination: DHCPDestination
}

/// What one request comes to: maybe a reply, and leases to persist before it is sent.
public struct DHCPOutcome: Equatable, Sendable {
    public var reply: DHCPReply?
    public var leases: [Lease] = []
    /// Why nothing or a NAK was sent, for the log.
    public var note: String?
    /// What the request said about its netboot firmware, nil when it is not a netboot client:
    /// classified once per request, for the decision and for the inventory's sighting.
    public var netboot: NetbootClient?
}

/// What the inventory knows of the requesting MAC.
public struct KnownMachine: Equatable, Sendable {
    public let state: MachineState
    public let reservedAddress: IPv4Address?

    public init(state: MachineState, reservedAddress: IPv4Address?) {
        self.state = state
        self.reservedAddress = reservedAddress
    }
}

/// Facts about one received request that are not in the packet.
public struct DHCPRequestContext: Sendable {
    /// Our address on the interface the request came in on: server identifier and next-server.
    public let serverAddress: IPv4Address
    /// The port it was sent to: 67, or 4011 for a PXE boot-server request (proxy mode).
    public let port: UInt16
    /// The source address and port of the datagram.
    public let source: (IPv4Address, UInt16)
    public let now: Int
    /// The machine the MAC belongs to, nil when unknown.
    public let machine: KnownMachine?

    public init(serverAddress: IPv4Address, port: UInt16, source: (IPv4Address, UInt16), now: Int, machine: KnownMachine?) {
        self.serverAddress = serverAddress
        self.port = port
        self.source = source
        self.now = now
        self.machine = machine
    }
}
