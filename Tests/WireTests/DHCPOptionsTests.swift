import Testing
import Wire

/// Sub-options as comparable values (tuples are not Equatable).
struct SubOption: Equatable, CustomStringConvertible {
    let code: UInt8
    let value: [UInt8]
    var description: String { "\(code)=\(value)" }
}

func comparable(_ items: [DHCPSubOption]?) -> [SubOption]? { items?.map { SubOption(code: $0.code, value: $0.value) } }

@Suite("DHCPOptions: storage and typed accessors")
struct DHCPOptionsTests {
    /// A BOOTREQUEST with `options` after the magic cookie.
    static func decode(_ options: [UInt8]) throws -> DHCPOptions {
        try DHCPPacket.decode([1, 1, 6, 0] + Array(repeating: 0, count: 232) + [99, 130, 83, 99] + options).options
    }

    @Test("codes keep the order of first appearance; assigning keeps a code's place; nil removes")
    func order() {
        var options = DHCPOptions()
        options[60] = [1]
        options[53] = [1]
        options[55] = [1, 3]
        #expect(options.codes == [60, 53, 55])
        options[53] = [3]
        #expect(options.codes == [60, 53, 55])
        options[53] = nil
        #expect(options.codes == [60, 55])
        #expect(options[53] == nil)
        options[53] = []
        #expect(options.codes == [60, 55, 53])
        #expect(options[53] == [])
        options[0] = [1]
        options[255] = [1]
        #expect(options.codes == [60, 55, 53])
        var other = DHCPOptions()
        other[55] = [1, 3]
        other[60] = [1]
        other[53] = []
        #expect(other != options, "equality includes order")
    }

    @Test("RFC 3396 §7: repeated instances are concatenated in order, across pads and other options")
    func concatenation() throws {
        let options = try Self.decode([43, 2, 1, 2, 53, 1, 1, 0, 43, 1, 3, 0, 0, 43, 0, 43, 2, 4, 5, 255])
        #expect(options[43] == [1, 2, 3, 4, 5])
        #expect(options.codes == [43, 53])
    }

    @Test("RFC 3396 §5: values over 255 bytes go out as consecutive instances", arguments: [255, 256, 510, 511, 765, 1000])
    func split(length: Int) throws {
        var packet = DHCPPacket(op: 1, xid: 1)
        packet.options.messageType = .request
        packet.options[119] = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) }
        packet.options.hostname = "h"
        let bytes = packet.encode()
        // 53, then ceil(length / 255) instances of 119 (full ones first), then 12, then END.
        var index = 243
        var chunks: [Int] = []
        while bytes[index] == 119 {
            chunks.append(Int(bytes[index + 1]))
            index += 2 + Int(bytes[index + 1])
        }
        let full = length / 255
        #expect(chunks == Array(repeating: 255, count: full) + (length % 255 == 0 ? [] : [length % 255]))
        #expect(Array(bytes[index..<index + 4]) == [12, 1, UInt8(ascii: "h"), 255])
        #expect(try DHCPPacket.decode(bytes) == packet)
    }

    @Test("addresses, numbers and text")
    func typed() throws {
        var options = DHCPOptions()
        options.requestedAddress = IPv4Address(10, 0, 0, 9)
        options.serverIdentifier = IPv4Address(10, 0, 0, 1)
        options.subnetMask = IPv4Address(255, 255, 0, 0)
        options.leaseSeconds = .max
        options.renewalSeconds = 1
        options.rebindingSeconds = 0x0102_0304
        options.maxMessageSize = 576
        options.routers = [IPv4Address(10, 0, 0, 1)]
        options.dnsServers = []
        options.hostname = "pxe-01"
        options.domainName = "example.org"
        options.clientIdentifier = [1, 2, 3]
        #expect(options[50] == [10, 0, 0, 9])
        #expect(options[51] == [255, 255, 255, 255])
        #expect(options[59] == [1, 2, 3, 4])
        #expect(options[57] == [2, 64])
        #expect(options[6] == nil)
        #expect(options.codes == [50, 54, 1, 51, 58, 59, 57, 3, 12, 15, 61])
        let decoded = try DHCPPacket.decode(DHCPPacket(op: 1, xid: 1, options: options).encode()).options
        #expect(decoded.requestedAddress == IPv4Address(10, 0, 0, 9))
        #expect(decoded.serverIdentifier == IPv4Address(10, 0, 0, 1))
        #expect(decoded.subnetMask == IPv4Address(255, 255, 0, 0))
        #expect(decoded.leaseSeconds == .max)
        #expect(decoded.renewalSeconds == 1)
        #expect(decoded.rebindingSeconds == 0x0102_0304)
        #expect(decoded.maxMessageSize == 576)
        #expect(decoded.routers == [IPv4Address(10, 0, 0, 1)])
        #expect(decoded.dnsServers == [])
        #expect(decoded.hostname == "pxe-01")
        #expect(decoded.domainName == "example.org")
        #expect(decoded.clientIdentifier == [1, 2, 3])
        options.hostname = nil
        options.routers = []
        #expect(options[12] == nil && options[3] == nil)
    }

    @Test("text options: trailing NULs dropped, invalid UTF-8 repaired; address lists ignore a partial address")
    func lenientValues() {
        var options = DHCPOptions()
        options[12] = Array("host\0\0".utf8)
        options[60] = [0x50, 0xFF]
        options[6] = [1, 1, 1, 1, 8, 8, 8]
        options[93] = [0, 7, 0]
        #expect(options.hostname == "host")
        #expect(options.vendorClass == "P\u{FFFD}")
        #expect(options.dnsServers == [IPv4Address(1, 1, 1, 1)])
        #expect(options.clientArchitectures == [7])
    }

    @Test("parameter request list and message type")
    func requestList() {
        var options = DHCPOptions()
        #expect(options.parameterRequestList == [])
        options.parameterRequestList = [1, 3, 6]
        #expect(options[55] == [1, 3, 6])
        options.parameterRequestList = []
        #expect(options[55] == nil)
        for type in DHCPMessageType.allCases {
            options.messageType = type
            #expect(options[53] == [type.rawValue])
            #expect(options.messageType == type)
        }
        #expect(DHCPMessageType.inform.description == "DHCPINFORM")
        options.messageType = nil
        #expect(options.isEmpty)
    }

    @Test("user class: RFC 3004 items and iPXE's bare string")
    func userClass() {
        var options = DHCPOptions()
        #expect(options.userClass == [])
        options[77] = Array("iPXE".utf8)
        #expect(options.userClass == ["iPXE"])
        #expect(!options.userClassIsRFC3004)
        options[77] = [4] + Array("iPXE".utf8)
        #expect(options.userClass == ["iPXE"])
        #expect(options.userClassIsRFC3004)
        options[77] = [3] + Array("abc".utf8) + [2] + Array("de".utf8)
        #expect(options.userClass == ["abc", "de"])
        // A length byte that does not tile the value exactly: one bare string.
        options[77] = [3] + Array("abcd".utf8)
        #expect(options.userClass == ["\u{3}abcd"])
        // A zero length byte is not RFC 3004 (each item has at least one byte).
        options[77] = [0, 1, 65]
        #expect(options.userClass.count == 1)
        options[77] = []
        #expect(options.userClass == [])
        options.userClass = ["gPXE", "", "x"]
        #expect(options[77] == [4] + Array("gPXE".utf8) + [1, UInt8(ascii: "x")])
        options.userClass = []
        #expect(options[77] == nil)
    }

    @Test("option 82: sub-options in order, codes 0 and 255 are ordinary (RFC 3046 §2.0)")
    func relayAgent() throws {
        let options = try Self.decode([82, 14, 1, 4, 0, 1, 0, 7, 2, 6, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 255])
        #expect(comparable(options.relayAgentInformation) == [SubOption(code: 1, value: [0, 1, 0, 7]),
                                                              SubOption(code: 2, value: [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])])
        #expect(options.relayCircuitID == [0, 1, 0, 7])
        #expect(options.relayRemoteID == [0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
        var built = DHCPOptions()
        built.relayAgentInformation = [(255, [1]), (0, []), (1, Array(repeating: 7, count: 300))]
        #expect(built[82] == [255, 1, 1, 0, 0, 1, 255] + Array(repeating: 7, count: 255))
        #expect(comparable(built.relayAgentInformation)?.map(\.code) == [255, 0, 1])
        // Malformed: the last sub-option overruns. Absent rather than a refused packet.
        built[82] = [1, 4, 0, 1]
        #expect(built.relayAgentInformation == nil)
        #expect(built.relayCircuitID == nil)
        built.relayAgentInformation = nil
        #expect(built[82] == nil)
    }

    @Test("option 175: iPXE sub-options, pad and END honoured")
    func ipxe() {
        var options = DHCPOptions()
        options[175] = [177, 5, 1, 0x80, 0x86, 0x10, 0x0E, 0, 19, 1, 1, 255, 99, 99]
        #expect(comparable(options.ipxeEncapsulated) == [SubOption(code: 177, value: [1, 0x80, 0x86, 0x10, 0x0E]),
                                                         SubOption(code: 19, value: [1])])
        options.ipxeEncapsulated = [(16, [2]), (21, [1])]
        #expect(options[175] == [16, 1, 2, 21, 1, 1])
        options[175] = [19, 2, 1]
        #expect(options.ipxeEncapsulated == nil)
        options[175] = [19]
        #expect(options.ipxeEncapsulated == nil)
        options[175] = []
        #expect(comparable(options.ipxeEncapsulated) == [])
    }

    @Test("option 43: PXE sub-options and PXE_DISCOVERY_CONTROL")
    func pxeVendorOptions() {
        var options = DHCPOptions()
        #expect(options.pxeDiscoveryControl == nil)
        options.pxeDiscoveryControl = 8
        #expect(options.vendorSpecific == [6, 1, 8, 255])
        options.vendorSubOptions = [(9, [0x80, 0x00, 1, 0]), (6, [3])]
        #expect(options.pxeDiscoveryControl == 3)
        options.pxeDiscoveryControl = 8
        #expect(comparable(options.vendorSubOptions) == [SubOption(code: 9, value: [0x80, 0x00, 1, 0]), SubOption(code: 6, value: [8])])
        #expect(options.vendorSpecific == [9, 4, 0x80, 0, 1, 0, 6, 1, 8, 255])
        options.pxeDiscoveryControl = nil
        #expect(options.vendorSpecific == [9, 4, 0x80, 0, 1, 0, 255])
        options.vendorSubOptions = [(6, [8])]
        options.pxeDiscoveryControl = nil
        #expect(options.vendorSpecific == nil)
        // Pad and END codes cannot be sub-options in this framing; they are left out.
        #expect(DHCPSubOptions.encode([(0, [1]), (255, [2]), (1, [])], framing: .padAndEnd) == [1, 0, 255])
    }

    @Test("PXE options 93, 94, 97 and the client's UUID")
    func pxeClientOptions() {
        var options = DHCPOptions()
        options.clientArchitectures = [0, 7, 0x1234]
        #expect(options[93] == [0, 0, 0, 7, 0x12, 0x34])
        options.clientArchitectures = []
        #expect(options[93] == nil)
        options.clientUUID = [0, 0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]
        #expect(options.clientMachineUUID == "00112233-4455-6677-8899-aabbccddeeff")
        options.clientUUID = [1] + Array(repeating: 0, count: 16)
        #expect(options.clientMachineUUID == nil)
        options.clientUUID = [0, 1, 2]
        #expect(options.clientMachineUUID == nil)
        options.clientNDI = [1, 3, 16]
        #expect(options[94] == [1, 3, 16])
        options.tftpServerName = "10.0.0.1"
        options.bootFileName = "ipxe.efi"
        #expect(options[66] == Array("10.0.0.1".utf8))
        #expect(options.bootFileName == "ipxe.efi")
    }
}
