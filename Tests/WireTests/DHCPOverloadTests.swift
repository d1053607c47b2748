import Testing
import Wire

/// Option 52 (RFC 2132 §9.3): `file` and/or `sname` carry options, read after the options
/// field in the order options, file, sname (RFC 2131 §4.1).
@Suite("DHCPPacket: option overload")
struct DHCPOverloadTests {
    /// A BOOTREPLY with `options` after the cookie and the given bytes at the start of `file` and `sname`.
    static func packet(options: [UInt8], file: [UInt8] = [], sname: [UInt8] = []) -> [UInt8] {
        var bytes = [2, 1, 6, 0] + Array(repeating: 0, count: 232) + [99, 130, 83, 99] + options
        bytes.replaceSubrange(108..<108 + file.count, with: file)
        bytes.replaceSubrange(44..<44 + sname.count, with: sname)
        return bytes
    }

    static let url = Array("http://10.0.0.1/boot.ipxe".utf8)

    @Test("overload 1: file holds options, sname stays text")
    func fileOnly() throws {
        let bytes = Self.packet(options: [53, 1, 2, 52, 1, 1, 255], file: [67, UInt8(Self.url.count)] + Self.url + [255],
                                sname: Array("server\0".utf8))
        let packet = try DHCPPacket.decode(bytes)
        #expect(packet.options.overload == 1)
        #expect(packet.options.bootFileName == "http://10.0.0.1/boot.ipxe")
        #expect(packet.file == "")
        #expect(packet.sname == "server")
        #expect(packet.options.codes == [53, 52, 67])
    }

    @Test("overload 2: sname holds options, file stays text")
    func snameOnly() throws {
        let bytes = Self.packet(options: [52, 1, 2, 53, 1, 5], file: Array("ipxe.efi".utf8), sname: [66, 4] + Array("tftp".utf8))
        let packet = try DHCPPacket.decode(bytes)
        #expect(packet.options.tftpServerName == "tftp")
        #expect(packet.file == "ipxe.efi")
        #expect(packet.sname == "")
        #expect(packet.options.messageType == .ack)
    }

    @Test("overload 3: options, then file, then sname; one code split across all three is concatenated in that order")
    func both() throws {
        let bytes = Self.packet(options: [52, 1, 3, 60, 2, 0x61, 0x62, 255],
                                file: [60, 2, 0x63, 0x64, 53, 1, 2, 0, 0, 255, 12, 9],
                                sname: [0, 60, 1, 0x65])
        let packet = try DHCPPacket.decode(bytes)
        #expect(packet.options.vendorClass == "abcde")
        #expect(packet.options.codes == [52, 60, 53])
        #expect(packet.file == "" && packet.sname == "")
    }

    @Test("an option 52 inside file or sname is ignored")
    func nestedOverloadIgnored() throws {
        let bytes = Self.packet(options: [52, 1, 1], file: [52, 1, 2, 53, 1, 1], sname: [53, 5])
        let packet = try DHCPPacket.decode(bytes)
        #expect(packet.options.overload == 1)
        #expect(packet.options.messageType == .discover)
        // sname was not parsed as options (its bytes would overrun), so it decodes as text.
        #expect(packet.sname == "\u{35}\u{5}")
    }

    @Test("without option 52, option-like bytes in file are text")
    func notOverloaded() throws {
        let packet = try DHCPPacket.decode(Self.packet(options: [53, 1, 1, 255], file: [67, 1, 0x41]))
        #expect(packet.file == "C\u{1}A")
        #expect(packet.options.codes == [53])
    }

    @Test("re-encoding an overloaded message moves everything into the options field, without option 52")
    func reencode() throws {
        let bytes = Self.packet(options: [53, 1, 2, 52, 1, 3, 255], file: [67, UInt8(Self.url.count)] + Self.url,
                                sname: [66, 4] + Array("tftp".utf8))
        let packet = try DHCPPacket.decode(bytes)
        let again = try DHCPPacket.decode(packet.encode())
        var expected = packet.options
        expected.overload = nil
        #expect(again.options == expected)
        #expect(again.options.bootFileName == "http://10.0.0.1/boot.ipxe")
        #expect(again.file == "" && again.sname == "")
    }
}
