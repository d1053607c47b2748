import Testing
import Wire

@Suite("DHCPPacket: decode errors")
struct DHCPDecodeErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let input: [UInt8]
        let reason: DHCPDecodeError.Reason
        let message: String
        var testDescription: String { label }
    }

    /// 240 bytes: a BOOTREQUEST header and the magic cookie, no options.
    static let header: [UInt8] = [1, 1, 6, 0] + Array(repeating: 0, count: 232) + [99, 130, 83, 99]

    /// `header` with `options` after the cookie.
    static func packet(_ options: [UInt8]) -> [UInt8] { header + options }

    /// `header` with option 52 = `overload`, then `field` (file or sname) replaced by `content`.
    static func overloaded(_ overload: UInt8, file: [UInt8] = [], sname: [UInt8] = []) -> [UInt8] {
        var bytes = packet([52, 1, overload, 255])
        bytes.replaceSubrange(108..<108 + file.count, with: file)
        bytes.replaceSubrange(44..<44 + sname.count, with: sname)
        return bytes
    }

    static let cases: [Case] = [
        Case(label: "empty datagram", input: [], reason: .tooShort(length: 0),
             message: "DHCP packet of 0 bytes is shorter than the 240-byte minimum"),
        Case(label: "one byte", input: [1], reason: .tooShort(length: 1),
             message: "DHCP packet of 1 byte is shorter than the 240-byte minimum"),
        Case(label: "header without cookie", input: Array(header.prefix(236)), reason: .tooShort(length: 236),
             message: "DHCP packet of 236 bytes is shorter than the 240-byte minimum"),
        Case(label: "one byte short of the cookie", input: Array(header.prefix(239)), reason: .tooShort(length: 239),
             message: "DHCP packet of 239 bytes is shorter than the 240-byte minimum"),
        Case(label: "op 0", input: [0] + header.dropFirst(), reason: .badOp(0),
             message: "DHCP op 0 is not 1 (BOOTREQUEST) or 2 (BOOTREPLY)"),
        Case(label: "op 3", input: [3] + header.dropFirst(), reason: .badOp(3), message: "DHCP op 3 is not 1"),
        Case(label: "op 255", input: [255] + header.dropFirst(), reason: .badOp(255), message: "op 255"),
        Case(label: "BOOTP vendor area without cookie", input: Array(header.prefix(236)) + [0, 0, 0, 0] + Array(repeating: 0, count: 60),
             reason: .badMagicCookie(0), message: "bad DHCP magic cookie 0x00000000, expected 0x63825363 (99.130.83.99)"),
        Case(label: "cookie bytes reversed", input: Array(header.prefix(236)) + [99, 83, 130, 99], reason: .badMagicCookie(0x6353_8263),
             message: "bad DHCP magic cookie 0x63538263"),
        Case(label: "option code as the last byte", input: packet([53]), reason: .missingLength(code: 53, offset: 240, field: .options),
             message: "DHCP option 53 at offset 240 has no length byte before the end of the options field"),
        Case(label: "option code after pads as the last byte", input: packet([53, 1, 1, 0, 0, 61]),
             reason: .missingLength(code: 61, offset: 245, field: .options), message: "option 61 at offset 245 has no length byte"),
        Case(label: "value cut short", input: packet([53, 1, 1, 55, 4, 1, 3]),
             reason: .optionOverrun(code: 55, offset: 243, excess: 2, field: .options),
             message: "DHCP option 55 at offset 243 overruns the options field by 2 bytes"),
        Case(label: "length byte with no value", input: packet([60, 1]), reason: .optionOverrun(code: 60, offset: 240, excess: 1, field: .options),
             message: "DHCP option 60 at offset 240 overruns the options field by 1 byte"),
        Case(label: "length 255 at the end", input: packet([43, 255, 1]),
             reason: .optionOverrun(code: 43, offset: 240, excess: 254, field: .options), message: "overruns the options field by 254 bytes"),
        Case(label: "option 52 of length 2", input: packet([52, 2, 1, 1, 255]), reason: .badOverloadLength(2),
             message: "DHCP option 52 (overload) has length 2, not 1"),
        Case(label: "option 52 empty", input: packet([52, 0, 255]), reason: .badOverloadLength(0), message: "has length 0, not 1"),
        Case(label: "option 52 twice (concatenated to 2 bytes)", input: packet([52, 1, 1, 52, 1, 1, 255]),
             reason: .badOverloadLength(2), message: "length 2"),
        Case(label: "option 52 value 0", input: packet([52, 1, 0, 255]), reason: .badOverloadValue(0),
             message: "DHCP option 52 overload value 0 is not 1, 2 or 3"),
        Case(label: "option 52 value 5", input: packet([52, 1, 5, 255]), reason: .badOverloadValue(5),
             message: "DHCP option 52 overload value 5 is not 1, 2 or 3"),
        Case(label: "overrun inside overloaded file", input: overloaded(1, file: Array(repeating: 0, count: 120) + [67, 20, 1]),
             reason: .optionOverrun(code: 67, offset: 228, excess: 14, field: .file),
             message: "DHCP option 67 at offset 228 overruns the file field by 14 bytes"),
        Case(label: "code at the end of overloaded file", input: overloaded(3, file: Array(repeating: 0, count: 127) + [12]),
             reason: .missingLength(code: 12, offset: 235, field: .file), message: "before the end of the file field"),
        Case(label: "overrun inside overloaded sname", input: overloaded(2, sname: [66, 64]),
             reason: .optionOverrun(code: 66, offset: 44, excess: 2, field: .sname),
             message: "DHCP option 66 at offset 44 overruns the sname field by 2 bytes"),
    ]

    @Test("malformed input throws a precise error", arguments: cases)
    func refused(_ testCase: Case) {
        #expect {
            _ = try DHCPPacket.decode(testCase.input)
        } throws: { error in
            guard let error = error as? DHCPDecodeError else { return false }
            #expect(error.reason == testCase.reason)
            #expect(error.description.contains(testCase.message), "\(error.description)")
            return true
        }
    }

    @Test("lenient where RFC 2131 allows it")
    func lenient() throws {
        // No END: the options end with the packet.
        #expect(try DHCPPacket.decode(Self.packet([53, 1, 1])).options.messageType == .discover)
        // Bytes after END, even ones that would overrun, are ignored.
        #expect(try DHCPPacket.decode(Self.packet([53, 1, 1, 255, 60, 200, 1])).options.codes == [53])
        // Only padding, or nothing at all after the cookie.
        #expect(try DHCPPacket.decode(Self.packet([0, 0, 0])).options.isEmpty)
        #expect(try DHCPPacket.decode(Self.header).options.isEmpty)
        // A zero-length option.
        #expect(try DHCPPacket.decode(Self.packet([80, 0, 255])).options[80] == [])
        // Not Ethernet: decoded, no MAC.
        var infiniband = Self.packet([255])
        infiniband[1] = 32
        infiniband[2] = 20
        let decoded = try DHCPPacket.decode(infiniband)
        #expect(decoded.htype == 32 && decoded.hlen == 20 && decoded.clientMAC == nil)
        // Typed accessors with the wrong length give nil instead of refusing the packet.
        let wrong = try DHCPPacket.decode(Self.packet([53, 2, 1, 1, 54, 3, 10, 0, 0, 51, 2, 0, 1, 57, 1, 5, 255]))
        #expect(wrong.options.messageType == nil)
        #expect(wrong.options.serverIdentifier == nil)
        #expect(wrong.options.leaseSeconds == nil)
        #expect(wrong.options.maxMessageSize == nil)
        // An unknown message type.
        #expect(try DHCPPacket.decode(Self.packet([53, 1, 9, 255])).options.messageType == nil)
        // A BOOTREPLY.
        #expect(try DHCPPacket.decode([2] + Self.header.dropFirst()).op == DHCPPacket.bootReply)
    }
}
