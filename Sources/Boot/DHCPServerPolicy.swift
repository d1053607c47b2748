import Model
import Wire

/// The DHCP server's decisions as a value type (DESIGN.md §2, §4): a request and its context in,
/// a reply and lease changes out. The I/O layer persists the leases, then sends the reply.
public struct DHCPServerPolicy: Sendable {
    public let mode: DHCPMode
    public let subnets: [DHCPSubnet]
    public let discovery: DiscoveryPolicy
    /// The boot plane's URL when set by the operator; otherwise `http://SERVER:httpPort` with the
    /// address the request reached us on.
    public let serverURL: String?
    public let httpPort: UInt16
    public let preferSNPOnly: Bool
    public private(set) var table: LeaseTable

    public init(mode: DHCPMode, subnets: [DHCPSubnet], discovery: DiscoveryPolicy, serverURL: String?, httpPort: UInt16,
                preferSNPOnly: Bool = false, leases: [Lease]) {
        self.mode = mode
        self.subnets = subnets
        self.discovery = discovery
        self.serverURL = serverURL
        self.httpPort = httpPort
        self.preferSNPOnly = preferSNPOnly
        table = LeaseTable(leases: leases)
    }

    private func boot(_ context: DHCPRequestContext) -> BootFilePolicy {
        BootFilePolicy(serverURL: serverURL ?? "http://\(context.serverAddress):\(httpPort)", preferSNPOnly: preferSNPOnly)
    }

    public mutating func handle(_ request: DHCPPacket, _ context: DHCPRequestContext,
                                reservedFor: (IPv4Address) -> MACAddress?) -> DHCPOutcome {
        guard request.op == 1 else { return DHCPOutcome(note: "not a BOOTREQUEST") }
        guard let type = request.options.messageType else { return DHCPOutcome(note: "no message type (BOOTP is not served)") }
        guard let mac = request.clientMAC else { return DHCPOutcome(note: "not an Ethernet client") }
        let client = NetbootClient.classify(request.options)
        var outcome: DHCPOutcome
        switch mode {
        case .proxy: outcome = proxy(request, type, mac, client, context)
        case .full: outcome = full(request, type, mac, client, context, reservedFor: reservedFor)
        }
        outcome.netboot = client
        return outcome
    }

    // MARK: proxyDHCP

    private func proxy(_ request: DHCPPacket, _ type: DHCPMessageType, _ mac: MACAddress, _ client: NetbootClient?,
                       _ context: DHCPRequestContext) -> DHCPOutcome {
        guard let client else { return DHCPOutcome(note: "not a netboot client") }
        if let reason = BootPolicy.notServed(state: context.machine?.state, discovery: discovery) {
            return DHCPOutcome(note: "not served: \(reason)")
        }
        guard let file = boot(context).bootFile(for: client, mac: mac) else {
            return DHCPOutcome(note: "no iPXE build for architecture \(client.architecture.map(String.init) ?? "?")")
        }
        let replyType: DHCPMessageType
        switch (type, context.port) {
        case (.discover, 67): replyType = .offer
        // The boot-server request of the PXE specification (§2.2.5), or iPXE asking the proxy.
        case (.request, 4011), (.inform, 4011): replyType = .ack
        // A REQUEST on 67 selects the network's DHCP server, not us.
        default: return DHCPOutcome(note: "proxy mode ignores \(type) on port \(context.port)")
        }
        var reply = Self.reply(to: request, type: replyType, server: context.serverAddress)
        addBootOptions(&reply, file: file, client: client, server: context.serverAddress)
        let destination: DHCPDestination
        if request.giaddr.rawValue != 0 {
            destination = .relay(request.giaddr)
        } else if context.port == 4011 {
            destination = .client(context.source.0, port: context.source.1)
        } else {
            destination = .broadcast
        }
        return DHCPOutcome(reply: DHCPReply(packet: reply, destination: destination))
    }

    // MARK: full DHCP

    private mutating func full(_ request: DHCPPacket, _ type: DHCPMessageType, _ mac: MACAddress, _ netboot: NetbootClient?,
                               _ context: DHCPRequestContext, reservedFor: (IPv4Address) -> MACAddress?) -> DHCPOutcome {
        // A relayed request belongs to the subnet of the relay's address (RFC 2131 §4.3.1), a
        // direct one to the subnet of the interface it came in on.
        let anchor = request.giaddr.rawValue != 0 ? request.giaddr : context.serverAddress
        guard let subnet = subnets.first(where: { $0.contains(anchor) }) else {
            return DHCPOutcome(note: "no configured subnet contains \(anchor)")
        }
        let client = LeaseTable.clientKey(mac: mac, clientID: request.options.clientIdentifier)
        let reserved = context.machine?.reservedAddress.flatMap { subnet.contains($0) ? $0 : nil }
        let now = context.now
        switch type {
        case .discover:
            guard let address = table.choose(in: subnet, client: client, mac: mac, requested: request.options.requestedAddress,
                                             reserved: reserved, now: now, reservedFor: reservedFor)
            else { return DHCPOutcome(note: "pool \(subnet.description) exhausted") }
            table.offer(address, to: client, now: now)
            return DHCPOutcome(reply: leaseReply(request, .offer, address, subnet, mac, netboot, context))
        case .request:
            return fullRequest(request, mac, client, netboot, subnet, reserved, context, reservedFor: reservedFor)
        case .decline:
            // Only the client an address was offered or leased to may decline it (as ISC dhcpd):
            // otherwise any host could knock out another's lease.
            guard let address = request.options.requestedAddress,
                  request.options.serverIdentifier == nil || request.options.serverIdentifier == context.serverAddress,
                  table.isOffered(address, to: client, now: now) || table.lease(of: client)?.ip == address || reserved == address
            else { return DHCPOutcome(note: "decline for an address that is not this client's") }
            return DHCPOutcome(leases: [table.decline(address, mac: mac, now: now)], note: "\(address) declined: quarantined")
        case .release:
            guard let lease = table.release(request.ciaddr, client: client, now: now) else {
                return DHCPOutcome(note: "release of \(request.ciaddr), which is not this client's")
            }
            return DHCPOutcome(leases: [lease], note: "\(request.ciaddr) released")
        case .inform:
            // RFC 2131 §3.4: configuration only, no lease, unicast to the client's own address.
            var reply = Self.reply(to: request, type: .ack, server: context.serverAddress)
            addSubnetOptions(&reply, subnet, leaseSeconds: nil)
            addBootIfAllowed(&reply, netboot, mac, context)
            let destination: DHCPDestination = request.giaddr.rawValue != 0 ? .relay(request.giaddr)
                : .client(request.ciaddr.rawValue != 0 ? request.ciaddr : context.source.0, port: 68)
            return DHCPOutcome(reply: DHCPReply(packet: reply, destination: destination))
        default:
            return DHCPOutcome(note: "\(type) is a server message")
        }
    }

    /// DHCPREQUEST in its four states (RFC 2131 §4.3.2): selecting, init-reboot, renewing,
    /// rebinding.
    private mutating func fullRequest(_ request: DHCPPacket, _ mac: MACAddress, _ client: String, _ netboot: NetbootClient?,
                                      _ subnet: DHCPSubnet,
                                      _ reserved: IPv4Address?, _ context: DHCPRequestContext,
                                      reservedFor: (IPv4Address) -> MACAddress?) -> DHCPOutcome {
        let now = context.now
        let options = request.options
        if let serverID = options.serverIdentifier {
            // SELECTING: answering an offer. Another server's offer chosen: ours is void.
            guard serverID == context.serverAddress else {
                table.withdrawOffers(to: client)
                return DHCPOutcome(note: "client chose server \(serverID)")
            }
            guard let address = options.requestedAddress, table.isOffered(address, to: client, now: now)
                    || table.isAvailable(address, to: client, mac: mac, now: now, reservedFor: reservedFor) && inPool(address, subnet, reserved)
            else { return nak(request, context, "requested \(options.requestedAddress.map(String.init(describing:)) ?? "nothing") was not offered") }
            return ack(request, address, subnet, mac, client, netboot, context)
        }
        if let address = options.requestedAddress, request.ciaddr.rawValue == 0 {
            // INIT-REBOOT: the client remembers an address; confirm it if it is right here.
            guard subnet.contains(address) else { return nak(request, context, "\(address) is not on \(subnet.description)") }
            if let reserved, reserved != address { return nak(request, context, "\(mac) is reserved \(reserved)") }
            guard inPool(address, subnet, reserved), table.isAvailable(address, to: client, mac: mac, now: now, reservedFor: reservedFor) else {
                return nak(request, context, "\(address) belongs to another client")
            }
            return ack(request, address, subnet, mac, client, netboot, context)
        }
        // RENEWING (unicast) or REBINDING (broadcast): ciaddr is the address in use.
        let address = request.ciaddr
        guard address.rawValue != 0 else { return DHCPOutcome(note: "request without ciaddr, server id or requested address") }
        guard let lease = table.lease(at: address), lease.state == .bound, table.lease(of: client)?.ip == address else {
            // Rebinding clients may hold another server's lease: only NAK what is ours to judge.
            return subnet.contains(address) && inPool(address, subnet, reserved)
                ? nak(request, context, "\(address) is not leased to \(mac)")
                : DHCPOutcome(note: "renewal of \(address), not ours")
        }
        return ack(request, address, subnet, mac, client, netboot, context)
    }

    private func inPool(_ address: IPv4Address, _ subnet: DHCPSubnet, _ reserved: IPv4Address?) -> Bool {
        address == reserved || subnet.range.contains(address.rawValue)
    }

    private mutating func ack(_ request: DHCPPacket, _ address: IPv4Address, _ subnet: DHCPSubnet, _ mac: MACAddress, _ client: String,
                              _ netboot: NetbootClient?, _ context: DHCPRequestContext) -> DHCPOutcome {
        let leases = table.bind(address, client: client, mac: mac, clientID: request.options.clientIdentifier,
                                hostname: request.options.hostname, now: context.now, seconds: subnet.leaseSeconds)
        return DHCPOutcome(reply: leaseReply(request, .ack, address, subnet, mac, netboot, context), leases: leases)
    }

    private func nak(_ request: DHCPPacket, _ context: DHCPRequestContext, _ why: String) -> DHCPOutcome {
        var reply = Self.reply(to: request, type: .nak, server: context.serverAddress)
        reply.options[56] = Array(why.utf8.prefix(255))
        // RFC 2131 §4.1: a NAK without a relay is broadcast, the client may have no address.
        let destination: DHCPDestination = request.giaddr.rawValue != 0 ? .relay(request.giaddr) : .broadcast
        return DHCPOutcome(reply: DHCPReply(packet: reply, destination: destination), note: "NAK: \(why)")
    }

    private func leaseReply(_ request: DHCPPacket, _ type: DHCPMessageType, _ address: IPv4Address, _ subnet: DHCPSubnet,
                            _ mac: MACAddress, _ netboot: NetbootClient?, _ context: DHCPRequestContext) -> DHCPReply {
        var reply = Self.reply(to: request, type: type, server: context.serverAddress)
        reply.yiaddr = address
        addSubnetOptions(&reply, subnet, leaseSeconds: subnet.leaseSeconds)
        addBootIfAllowed(&reply, netboot, mac, context)
        let destination: DHCPDestination
        if request.giaddr.rawValue != 0 {
            destination = .relay(request.giaddr)
        } else if request.ciaddr.rawValue != 0 {
            destination = .client(request.ciaddr, port: 68)
        } else {
            destination = .broadcast
        }
        return DHCPReply(packet: reply, destination: destination)
    }

    private func addSubnetOptions(_ reply: inout DHCPPacket, _ subnet: DHCPSubnet, leaseSeconds: Int?) {
        reply.options.subnetMask = subnet.mask
        if let router = subnet.router { reply.options.routers = [router] }
        if !subnet.dns.isEmpty { reply.options.dnsServers = subnet.dns }
        if let domain = subnet.domain { reply.options.domainName = domain }
        if let leaseSeconds {
            reply.options.leaseSeconds = UInt32(leaseSeconds)
            // RFC 2131 §4.4.5: T1 at half the lease, T2 at seven eighths.
            reply.options.renewalSeconds = UInt32(leaseSeconds / 2)
            reply.options.rebindingSeconds = UInt32(leaseSeconds * 7 / 8)
        }
    }

    private func addBootIfAllowed(_ reply: inout DHCPPacket, _ client: NetbootClient?, _ mac: MACAddress, _ context: DHCPRequestContext) {
        guard let client, BootPolicy.notServed(state: context.machine?.state, discovery: discovery) == nil,
              let file = boot(context).bootFile(for: client, mac: mac)
        else { return }
        addBootOptions(&reply, file: file, client: client, server: context.serverAddress)
    }

    private func addBootOptions(_ reply: inout DHCPPacket, file: BootFile, client: NetbootClient, server: IPv4Address) {
        reply.siaddr = server
        reply.file = file.name
        // UEFI HTTP boot needs its vendor class echoed to accept the offer (UEFI 2.5 §24.7);
        // PXE ROMs look for PXEClient.
        reply.options.vendorClass = client.isHTTPClient ? "HTTPClient" : "PXEClient"
        if let uuid = client.uuid { reply.options.clientUUID = uuid }
        if !client.isIPXE, !client.isHTTPClient {
            // PXE_DISCOVERY_CONTROL (PXE spec §2.4.1.3) = 8: boot the file named here, skip
            // boot-server discovery. Without vendor options some PXE ROMs ignore a proxy offer.
            reply.options.vendorSpecific = [6, 1, 8, 255]
        }
    }

    /// A reply skeleton: same transaction, flags, relay and client hardware address.
    static func reply(to request: DHCPPacket, type: DHCPMessageType, server: IPv4Address) -> DHCPPacket {
        var options = DHCPOptions()
        options.messageType = type
        options.serverIdentifier = server
        // RFC 3046 §2.2: the relay agent's option 82 comes back unchanged, for it to route by.
        if request.giaddr.rawValue != 0, let relayInformation = request.options[82] { options[82] = relayInformation }
        return DHCPPacket(op: 2, xid: request.xid, htype: request.htype, hlen: request.hlen, flags: request.flags, ciaddr: request.ciaddr,
                          giaddr: request.giaddr, chaddr: request.chaddr, options: options)
    }
}
