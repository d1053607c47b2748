import Boot
import Model
import Testing
import Wire

@Suite("DHCPServerPolicy: proxyDHCP") struct DHCPProxyTests {
    typealias F = DHCPFixture

    func handle(_ request: DHCPPacket, port: UInt16 = 67, source: (IPv4Address, UInt16) = (F.zero, 68),
                machine: KnownMachine? = F.registered, discovery: DiscoveryPolicy = .ignore, serverURL: String? = nil,
                preferSNPOnly: Bool = false) -> DHCPOutcome {
        var policy = F.proxyPolicy(discovery: discovery, serverURL: serverURL, preferSNPOnly: preferSNPOnly)
        let outcome = policy.handle(request, F.context(port: port, source: source, machine: machine), reservedFor: F.noReservations)
        // Proxy mode never hands out an address.
        #expect(outcome.leases.isEmpty)
        #expect(policy.table.leases.isEmpty)
        return outcome
    }

    @Test func discoverFromRegisteredBIOSClientGetsOffer() throws {
        let request = F.request(.discover, mac: F.macA, xid: 0xCAFE_F00D, configure: F.pxe(arch: 0))
        let reply = try #require(handle(request).reply)
        let packet = reply.packet
        #expect(reply.destination == .broadcast)
        #expect(packet.op == 2)
        #expect(packet.xid == 0xCAFE_F00D)
        #expect(packet.clientMAC == F.macA)
        #expect(packet.chaddr == request.chaddr)
        #expect(packet.options.messageType == .offer)
        #expect(packet.yiaddr == F.zero)
        #expect(packet.ciaddr == F.zero)
        #expect(packet.siaddr == F.server)
        #expect(packet.file == "undionly.kpxe")
        #expect(packet.options.vendorClass == "PXEClient")
        #expect(packet.options.serverIdentifier == F.server)
        #expect(packet.options.clientUUID == F.uuid)
        #expect(packet.options.vendorSpecific == [6, 1, 8, 255])
        #expect(packet.options.pxeDiscoveryControl == 8)
        // No address, so no address options.
        #expect(packet.options.leaseSeconds == nil)
        #expect(packet.options.subnetMask == nil)
        #expect(packet.options.routers.isEmpty)
    }

    @Test func broadcastFlagIsEchoed() throws {
        var request = F.request(.discover, mac: F.macA, configure: F.pxe(arch: 7))
        request.isBroadcast = true
        let reply = try #require(handle(request).reply)
        #expect(reply.packet.isBroadcast)
        #expect(reply.packet.file == "ipxe.efi")
    }

    @Test func uuidIsNotInventedWhenNotSent() throws {
        let request = F.request(.discover, mac: F.macA) { $0.vendorClass = "PXEClient:Arch:00000:UNDI:002001" }
        let reply = try #require(handle(request).reply)
        #expect(reply.packet.options.clientUUID == nil)
        #expect(reply.packet.file == "undionly.kpxe")
    }

    @Test func relayedDiscoverGoesBackToTheRelay() throws {
        let request = F.request(.discover, mac: F.macA, giaddr: F.relay78, configure: F.pxe(arch: 0))
        let reply = try #require(handle(request).reply)
        #expect(reply.destination == .relay(F.relay78))
        #expect(reply.packet.giaddr == F.relay78)
        #expect(reply.packet.options.messageType == .offer)
    }

    @Test func bootServerRequestOn4011GetsACKToItsSource() throws {
        let source = (F.ip("192.168.5.23"), UInt16(68))
        let request = F.request(.request, mac: F.macA, ciaddr: F.ip("192.168.5.23"), configure: F.pxe(arch: 7))
        let reply = try #require(handle(request, port: 4011, source: source).reply)
        #expect(reply.destination == .client(F.ip("192.168.5.23"), port: 68))
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.file == "ipxe.efi")
        #expect(reply.packet.siaddr == F.server)
        #expect(reply.packet.yiaddr == F.zero)
        #expect(reply.packet.options.vendorSpecific == [6, 1, 8, 255])
    }

    @Test func bootServerRequestFromAnotherSourcePort() throws {
        // Some ROMs send from port 4011; the reply goes to the port the request came from.
        let source = (F.ip("192.168.5.24"), UInt16(4011))
        let reply = try #require(handle(F.request(.request, mac: F.macA, configure: F.pxe(arch: 0)), port: 4011, source: source).reply)
        #expect(reply.destination == .client(F.ip("192.168.5.24"), port: 4011))
    }

    @Test func informOn4011IsAnswered() throws {
        let source = (F.ip("192.168.5.25"), UInt16(68))
        let request = F.request(.inform, mac: F.macA, ciaddr: F.ip("192.168.5.25"), configure: F.ipxe(arch: 7))
        let reply = try #require(handle(request, port: 4011, source: source).reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.destination == .client(F.ip("192.168.5.25"), port: 68))
        #expect(reply.packet.file == "http://10.77.0.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:01")
    }

    @Test(arguments: [(DHCPMessageType.request, UInt16(67)), (.inform, 67), (.discover, 4011)])
    func wrongPortForTheMessageGetsNoReply(type: DHCPMessageType, port: UInt16) {
        let outcome = handle(F.request(type, mac: F.macA, requested: F.ip("192.168.5.23"), serverID: F.ip("192.168.5.1"),
                                       configure: F.pxe(arch: 0)), port: port)
        #expect(outcome.reply == nil)
        #expect(outcome.note == "proxy mode ignores \(type) on port \(port)")
    }

    @Test func nonNetbootClientGetsNoReply() {
        let request = F.request(.discover, mac: F.macA) {
            $0.hostname = "laptop"
            $0.vendorClass = "android-dhcp-14"
        }
        let outcome = handle(request, discovery: .hold)
        #expect(outcome.reply == nil)
        #expect(outcome.note == "not a netboot client")
    }

    @Test func malformedUUIDGetsNoReply() {
        let request = F.request(.discover, mac: F.macA) {
            F.pxe(arch: 0)(&$0)
            $0.clientUUID = [0, 1, 2, 3, 4]
        }
        #expect(handle(request).reply == nil)
    }

    @Test(arguments: [
        (KnownMachine?.none, DiscoveryPolicy.ignore, false),
        (nil, .hold, true),
        (KnownMachine(state: .discovered, reservedAddress: nil), .ignore, false),
        (KnownMachine(state: .discovered, reservedAddress: nil), .hold, true),
        (KnownMachine(state: .retired, reservedAddress: nil), .ignore, false),
        (KnownMachine(state: .retired, reservedAddress: nil), .hold, false),
        (KnownMachine(state: .ready, reservedAddress: nil), .ignore, true),
        (KnownMachine(state: .failed, reservedAddress: nil), .ignore, true),
    ])
    func servedByStateAndDiscovery(machine: KnownMachine?, discovery: DiscoveryPolicy, served: Bool) {
        let outcome = handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0)), machine: machine, discovery: discovery)
        #expect((outcome.reply != nil) == served)
        if served {
            #expect(outcome.reply?.packet.file == "undionly.kpxe")
        } else {
            #expect(outcome.note?.hasPrefix("not served: ") == true)
        }
    }

    @Test func refusalNotesSayWhy() {
        let retired = handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0)),
                             machine: KnownMachine(state: .retired, reservedAddress: nil))
        #expect(retired.note == "not served: retired")
        let unknown = handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0)), machine: nil)
        #expect(unknown.note == "not served: unknown MAC (discovery ignore)")
    }

    @Test(arguments: [UInt16(0), 7, 11])
    func ipxeGetsTheScriptURLAndNoVendorOptions(arch: UInt16) throws {
        let reply = try #require(handle(F.request(.discover, mac: F.macA, configure: F.ipxe(arch: arch))).reply)
        #expect(reply.packet.file == "http://10.77.0.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:01")
        #expect(reply.packet.options.vendorSpecific == nil)
        #expect(reply.packet.options.vendorClass == "PXEClient")
        #expect(reply.packet.siaddr == F.server)
        #expect(reply.packet.options.messageType == .offer)
    }

    @Test func ipxeByOption175AloneGetsTheScript() throws {
        let request = F.request(.discover, mac: F.macB) { $0.ipxeEncapsulated = [(19, [1])] }
        let reply = try #require(handle(request).reply)
        #expect(reply.packet.file == "http://10.77.0.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:02")
        #expect(reply.packet.options.vendorSpecific == nil)
    }

    @Test(arguments: [(UInt16(16), "ipxe.efi"), (15, "ipxe.efi"), (19, "snp.efi")])
    func uefiHTTPBootGetsHTTPClientAndAURL(arch: UInt16, binary: String) throws {
        let request = F.request(.discover, mac: F.macA, configure: F.httpClient(arch: arch))
        let reply = try #require(handle(request).reply)
        #expect(reply.packet.options.vendorClass == "HTTPClient")
        #expect(reply.packet.file == "http://10.77.0.1:8080/ipxe/\(binary)")
        #expect(reply.packet.options.vendorSpecific == nil)
        #expect(reply.destination == .broadcast)
    }

    @Test func preferSNPOnlyReachesTheOffer() throws {
        let reply = try #require(handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 7)), preferSNPOnly: true).reply)
        #expect(reply.packet.file == "snponly.efi")
    }

    @Test(arguments: [UInt16(10), 2, 1])
    func unknownArchitectureGetsNoReply(arch: UInt16) {
        let outcome = handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: arch)), discovery: .hold)
        #expect(outcome.reply == nil)
        #expect(outcome.note == "no iPXE build for architecture \(arch)")
    }

    @Test func serverURLOverrideIsUsed() throws {
        let url = "http://boot.lan:9000"
        let script = try #require(handle(F.request(.discover, mac: F.macA, configure: F.ipxe(arch: 7)), serverURL: url).reply)
        #expect(script.packet.file == "http://boot.lan:9000/boot.ipxe?mac=aa:bb:cc:dd:ee:01")
        let http = try #require(handle(F.request(.discover, mac: F.macA, configure: F.httpClient(arch: 16)), serverURL: url).reply)
        #expect(http.packet.file == "http://boot.lan:9000/ipxe/ipxe.efi")
        // The TFTP path is unaffected and next-server stays our address.
        let tftp = try #require(handle(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0)), serverURL: url).reply)
        #expect(tftp.packet.file == "undionly.kpxe")
        #expect(tftp.packet.siaddr == F.server)
    }

    @Test func defaultURLUsesTheAddressTheRequestCameInOn() throws {
        var policy = F.proxyPolicy()
        let other = F.ip("192.168.9.1")
        let outcome = policy.handle(F.request(.discover, mac: F.macA, configure: F.ipxe(arch: 7)), F.context(server: other),
                                    reservedFor: F.noReservations)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.file == "http://192.168.9.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:01")
        #expect(reply.packet.siaddr == other)
        #expect(reply.packet.options.serverIdentifier == other)
    }
}
