import Testing
import Wire

@Suite("DHCPPacket: codec")
struct DHCPPacketTests {
    static let mac = try! MACAddress("52:54:00:12:34:56")
    static let server = IPv4Address(10, 0, 0, 1)
    static let uuid: [UInt8] = [0] + Array(0x00...0x0F)

    static var discover: DHCPPacket {
        var options = DHCPOptions()
        options.messageType = .discover
        options.maxMessageSize = 1472
        options.clientArchitectures = [7]
        options.clientNDI = [1, 3, 16]
        options.vendorClass = "PXEClient:Arch:00007:UNDI:003016"
        options.clientUUID = uuid
        options.parameterRequestList = [1, 3, 6, 43, 60, 66, 67, 97]
        var packet = DHCPPacket(op: DHCPPacket.bootRequest, xid: 0xDEAD_BEEF, clientMAC: mac, options: options)
        packet.secs = 4
        packet.isBroadcast = true
        return packet
    }

    static var proxyOffer: DHCPPacket {
        var options = DHCPOptions()
        options.messageType = .offer
        options.serverIdentifier = server
        options.vendorClass = "PXEClient"
        options.clientUUID = uuid
        options.pxeDiscoveryControl = 8
        var packet = DHCPPacket(op: DHCPPacket.bootReply, xid: 0xDEAD_BEEF, clientMAC: mac, options: options)
        packet.siaddr = server
        packet.sname = "provisiond"
        packet.file = "undionly.kpxe"
        return packet
    }

    static var relayedAck: DHCPPacket {
        var options = DHCPOptions()
        options.messageType = .ack
        options.serverIdentifier = server
        options.leaseSeconds = 86_400
        options.renewalSeconds = 43_200
        options.rebindingSeconds = 75_600
        options.subnetMask = IPv4Address(255, 255, 255, 0)
        options.broadcastAddress = IPv4Address(10, 1, 2, 255)
        options.routers = [IPv4Address(10, 1, 2, 1), IPv4Address(10, 1, 2, 2)]
        options.dnsServers = [IPv4Address(1, 1, 1, 1), IPv4Address(9, 9, 9, 9), IPv4Address(10, 1, 2, 1)]
        options.hostname = "node-01"
        options.domainName = "lab.example"
        options.bootFileName = "http://10.0.0.1/boot.ipxe"
        options.relayAgentInformation = [(1, Array("eth0/1/7".utf8)), (2, [0xAA, 0xBB]), (9, [])]
        return DHCPPacket(op: DHCPPacket.bootReply, xid: 7, hops: 1, ciaddr: IPv4Address(10, 1, 2, 40),
                          yiaddr: IPv4Address(10, 1, 2, 40), siaddr: server, giaddr: IPv4Address(10, 1, 2, 1),
                          chaddr: mac.octets, options: options)
    }

    static var roundTrips: [DHCPPacket] {
        var long = proxyOffer
        long.options[250] = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        long.options[DHCPOptionCode.message] = Array(repeating: UInt8(ascii: "x"), count: 255)
        long.options[80] = []
        var infiniband = DHCPPacket(op: DHCPPacket.bootRequest, xid: 1, htype: 32, hlen: 20, chaddr: Array(1...16))
        infiniband.options.messageType = .inform
        infiniband.options.clientIdentifier = [0xFF] + Array(repeating: 7, count: 20)
        var everyCode = DHCPPacket(op: DHCPPacket.bootRequest, xid: .max, chaddr: Array(repeating: 0xFF, count: 16),
                                   sname: "ünïcödé ✓", file: String(repeating: "f", count: 127))
        for code in UInt8(1)...254 where code != DHCPOptionCode.overload { everyCode.options[code] = [code, ~code] }
        return [
            DHCPPacket(op: DHCPPacket.bootRequest, xid: 0, clientMAC: mac),
            discover, proxyOffer, relayedAck, long, infiniband, everyCode,
        ]
    }

    @Test("decode(encode(p)) == p", arguments: roundTrips)
    func roundTrip(_ packet: DHCPPacket) throws {
        #expect(try DHCPPacket.decode(packet.encode()) == packet)
    }

    @Test("header fields sit at the offsets of RFC 2131 §2, options after the cookie, END, zeros to 300 bytes")
    func exactBytes() {
        var packet = DHCPPacket(op: 2, xid: 0x0102_0304, hops: 5, secs: 0x0607, flags: 0x8000,
                                ciaddr: IPv4Address(1, 2, 3, 4), yiaddr: IPv4Address(5, 6, 7, 8),
                                siaddr: IPv4Address(9, 10, 11, 12), giaddr: IPv4Address(13, 14, 15, 16),
                                chaddr: [0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6], sname: "srv", file: "f.efi")
        packet.options.messageType = .offer
        packet.options.serverIdentifier = IPv4Address(9, 10, 11, 12)
        let bytes = packet.encode()
        #expect(bytes.count == 300)
        #expect(Array(bytes[0..<12]) == [2, 1, 6, 5, 1, 2, 3, 4, 6, 7, 0x80, 0])
        #expect(Array(bytes[12..<28]) == Array(1...16))
        #expect(Array(bytes[28..<44]) == [0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6] + Array(repeating: 0, count: 10))
        #expect(Array(bytes[44..<48]) == Array("srv\0".utf8))
        #expect(bytes[47..<108].allSatisfy { $0 == 0 })
        #expect(Array(bytes[108..<114]) == Array("f.efi\0".utf8))
        #expect(bytes[113..<236].allSatisfy { $0 == 0 })
        #expect(Array(bytes[236..<240]) == [99, 130, 83, 99])
        #expect(Array(bytes[240..<250]) == [53, 1, 2, 54, 4, 9, 10, 11, 12, 255])
        #expect(bytes[250...].allSatisfy { $0 == 0 })
    }

    @Test("no padding once the options pass 300 bytes")
    func noPaddingWhenLong() {
        var packet = DHCPPacket(op: 1, xid: 1, clientMAC: Self.mac)
        packet.options[224] = Array(repeating: 1, count: 100)
        #expect(packet.encode().count == 240 + 102 + 1)
    }

    @Test("encode never overloads: option 52 is left out")
    func overloadNotEncoded() throws {
        var packet = DHCPPacket(op: 1, xid: 1, clientMAC: Self.mac, options: DHCPOptions())
        packet.options.overload = 3
        packet.options.messageType = .discover
        let bytes = packet.encode()
        #expect(Array(bytes[240..<244]) == [53, 1, 1, 255])
        #expect(try DHCPPacket.decode(bytes).options.overload == nil)
    }

    @Test("sname and file are cut to leave their NUL, at a character boundary")
    func textFieldsCut() throws {
        var packet = DHCPPacket(op: 2, xid: 1, clientMAC: Self.mac)
        packet.sname = String(repeating: "s", count: 62) + "é"  // 62 + 2 bytes: é does not fit
        packet.file = String(repeating: "f", count: 200)
        let bytes = packet.encode()
        #expect(bytes[44 + 62] == 0)
        #expect(bytes[108 + 127] == 0)
        let decoded = try DHCPPacket.decode(bytes)
        #expect(decoded.sname == String(repeating: "s", count: 62))
        #expect(decoded.file == String(repeating: "f", count: 127))
        packet.sname = "a\0b"
        #expect(try DHCPPacket.decode(packet.encode()).sname == "a")
    }

    @Test("a text field filled to its end without NUL decodes whole")
    func unterminatedTextField() throws {
        var bytes = DHCPPacket(op: 2, xid: 1, clientMAC: Self.mac).encode()
        for index in 44..<108 { bytes[index] = UInt8(ascii: "n") }
        #expect(try DHCPPacket.decode(bytes).sname == String(repeating: "n", count: 64))
        bytes[50] = 0xFF
        #expect(try DHCPPacket.decode(bytes).sname.contains("\u{FFFD}"))
    }

    @Test("chaddr is always 16 bytes")
    func chaddrLength() {
        var packet = DHCPPacket(op: 1, xid: 1, chaddr: [1, 2, 3])
        #expect(packet.chaddr == [1, 2, 3] + Array(repeating: 0, count: 13))
        packet.chaddr = Array(repeating: 9, count: 20)
        #expect(packet.chaddr == Array(repeating: 9, count: 16))
        packet.chaddr = []
        #expect(packet.chaddr == Array(repeating: 0, count: 16))
    }

    @Test("clientMAC only for Ethernet: htype 1, hlen 6")
    func clientMAC() {
        var packet = DHCPPacket(op: 1, xid: 1, clientMAC: Self.mac)
        #expect(packet.clientMAC == Self.mac)
        packet.hlen = 7
        #expect(packet.clientMAC == nil)
        packet.hlen = 6
        packet.htype = 6
        #expect(packet.clientMAC == nil)
    }

    @Test("broadcast flag")
    func broadcast() {
        var packet = DHCPPacket(op: 1, xid: 1, flags: 0x0001)
        #expect(!packet.isBroadcast)
        packet.isBroadcast = true
        #expect(packet.flags == 0x8001)
        packet.isBroadcast = false
        #expect(packet.flags == 0x0001)
    }

    @Test("one-line description for logs")
    func description() {
        #expect(Self.discover.description == "DHCPDISCOVER xid 0xdeadbeef from 52:54:00:12:34:56")
        #expect(Self.proxyOffer.description == "DHCPOFFER xid 0xdeadbeef to 52:54:00:12:34:56")
        let bootp = DHCPPacket(op: 1, xid: 2, htype: 32, hlen: 3, chaddr: [1, 2, 3])
        #expect(bootp.description == "BOOTREQUEST xid 0x00000002 from chaddr 01 02 03")
    }

    @Test("dump: header then options, one per line")
    func dump() {
        let lines = Self.relayedAck.dumpLines
        #expect(lines.first == "op: 2 BOOTREPLY")
        #expect(lines.contains("giaddr: 10.1.2.1"))
        #expect(lines.contains("client MAC: 52:54:00:12:34:56"))
        #expect(lines.contains("option 53 (message type): ACK"))
        #expect(lines.contains("option 6 (DNS servers): 1.1.1.1, 9.9.9.9, 10.1.2.1"))
        #expect(lines.contains("option 51 (lease time): 86400"))
        #expect(lines.contains("option 12 (hostname): \"node-01\""))
        #expect(lines.contains("option 82 (relay agent information): {1: 65 74 68 30 2f 31 2f 37; 2: aa bb; 9: (empty)}"))
        #expect(Self.proxyOffer.dumpLines.contains("option 43 (vendor specific): {6: 08}"))
        var odd = DHCPOptions()
        odd[DHCPOptionCode.routers] = [1, 2, 3]
        odd[DHCPOptionCode.vendorClass] = Array("a\"b\\c\n".utf8) + [0xFF]
        odd[80] = []
        odd[DHCPOptionCode.messageType] = [9]
        let oddLines = DHCPPacket(op: 1, xid: 1, options: odd).dumpLines
        #expect(oddLines.contains("option 3 (routers): 01 02 03"))
        #expect(oddLines.contains(#"option 60 (vendor class): "a\"b\\c\x0a\xff""#))
        #expect(oddLines.contains("option 80: (empty)"))
        #expect(oddLines.contains("option 53 (message type): 09"))
    }
}
