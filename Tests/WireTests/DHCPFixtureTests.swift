import Foundation
import Testing
import Wire

/// Golden fixtures captured from real clients by scripts/capture-dhcp-fixtures: NAME.hex is the
/// packet as received, NAME.txt its dump written by scripts/dhcp_fixture.py, a decoder written
/// independently of this one. Loaded by path relative to this file (no package resources).
@Suite("DHCPPacket: fixtures from real clients")
struct DHCPFixtureTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let type: DHCPMessageType
        let vendorClass: String?
        let userClass: [String]
        let architectures: [UInt16]
        let broadcast: Bool
        var testDescription: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/dhcp")

    static let fixtures: [Fixture] = [
        Fixture(name: "dhclient-discover", type: .discover, vendorClass: nil, userClass: [], architectures: [], broadcast: false),
        Fixture(name: "dhclient-request", type: .request, vendorClass: nil, userClass: [], architectures: [], broadcast: false),
        Fixture(name: "udhcpc-discover", type: .discover, vendorClass: "udhcp 1.35.0", userClass: [], architectures: [], broadcast: false),
        Fixture(name: "udhcpc-request", type: .request, vendorClass: "udhcp 1.35.0", userClass: [], architectures: [], broadcast: false),
        Fixture(name: "ipxe-bios-discover", type: .discover, vendorClass: "PXEClient:Arch:00000:UNDI:002001", userClass: ["iPXE"],
                architectures: [0], broadcast: false),
        Fixture(name: "ipxe-bios-request", type: .request, vendorClass: "PXEClient:Arch:00000:UNDI:002001", userClass: ["iPXE"],
                architectures: [0], broadcast: false),
        Fixture(name: "ipxe-uefi-discover", type: .discover, vendorClass: "PXEClient:Arch:00007:UNDI:003010", userClass: ["iPXE"],
                architectures: [7], broadcast: false),
        Fixture(name: "ipxe-uefi-request", type: .request, vendorClass: "PXEClient:Arch:00007:UNDI:003010", userClass: ["iPXE"],
                architectures: [7], broadcast: false),
        Fixture(name: "ovmf-pxe-discover", type: .discover, vendorClass: "PXEClient:Arch:00007:UNDI:003000", userClass: [],
                architectures: [7], broadcast: true),
        Fixture(name: "ovmf-pxe-request", type: .request, vendorClass: "PXEClient:Arch:00007:UNDI:003000", userClass: [],
                architectures: [7], broadcast: true),
        Fixture(name: "ovmf-http-discover", type: .discover, vendorClass: "HTTPClient:Arch:00016:UNDI:003000", userClass: [],
                architectures: [16], broadcast: true),
    ]

    /// The bytes of NAME.hex (hex digits, whitespace ignored).
    static func packetBytes(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
        let digits = Array(text.utf8.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
        try #require(digits.count.isMultiple(of: 2), "odd number of hex digits in \(name).hex")
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            try #require(UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16), "bad hex in \(name).hex")
        }
    }

    static func golden(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name + ".txt"), encoding: .utf8)
    }

    @Test("every captured fixture is listed here")
    func allListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        let captured = Set(files.filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) })
        #expect(captured == Set(Self.fixtures.map(\.name)))
        for name in captured { #expect(files.contains(name + ".txt"), "\(name).txt is missing") }
    }

    @Test("the dump equals the independently written NAME.txt", arguments: fixtures)
    func dumpMatchesGolden(_ fixture: Fixture) throws {
        let packet = try DHCPPacket.decode(Self.packetBytes(fixture.name))
        let expected = try Self.golden(fixture.name).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let actual = packet.dump.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(actual.count == expected.count)
        for (index, line) in zip(actual, expected).enumerated() where line.0 != line.1 {
            Issue.record("\(fixture.name).txt line \(index + 1): decoder says \(line.0), golden says \(line.1)")
        }
    }

    @Test("typed accessors read what the client sent", arguments: fixtures)
    func typedFields(_ fixture: Fixture) throws {
        let packet = try DHCPPacket.decode(Self.packetBytes(fixture.name))
        #expect(packet.op == DHCPPacket.bootRequest)
        #expect(packet.options.messageType == fixture.type)
        #expect(packet.options.vendorClass == fixture.vendorClass)
        #expect(packet.options.userClass == fixture.userClass)
        #expect(packet.options.clientArchitectures == fixture.architectures)
        #expect(packet.isBroadcast == fixture.broadcast)
        #expect(packet.clientMAC != nil)
        #expect(packet.giaddr == IPv4Address(rawValue: 0))
        if fixture.type == .request {
            #expect(packet.options.serverIdentifier?.octets.prefix(3) == [10, 78, 0][...] ||
                    packet.options.serverIdentifier?.octets.prefix(3) == [10, 79, 0][...])
            #expect(packet.options.requestedAddress != nil)
        }
    }

    @Test("re-encoding gives the same options, byte for byte up to END", arguments: fixtures)
    func reencode(_ fixture: Fixture) throws {
        let original = try Self.packetBytes(fixture.name)
        let packet = try DHCPPacket.decode(original)
        let encoded = packet.encode()
        let again = try DHCPPacket.decode(encoded)
        #expect(again == packet)
        #expect(again.options.codes == packet.options.codes)
        // No client here pads between options or splits one, so the wire form is the same up
        // to END, and what the client sent after END is zeros only.
        let end = try #require(Self.endOffset(original))
        #expect(Array(encoded.prefix(end + 1)) == Array(original.prefix(end + 1)))
        #expect(original[(end + 1)...].allSatisfy { $0 == 0 })
        #expect(encoded.count == max(DHCPPacket.minimumEncodedLength, end + 1))
    }

    /// Offset of the END option in the options field, walking code/length/value.
    static func endOffset(_ bytes: [UInt8]) -> Int? {
        var index = DHCPPacket.minimumLength
        while index < bytes.count {
            switch bytes[index] {
            case 255: return index
            case 0: index += 1
            default: index += 2 + (index + 1 < bytes.count ? Int(bytes[index + 1]) : 0)
            }
        }
        return nil
    }

    @Test("iPXE: bare user class, option 175 feature flags, SMBIOS UUID and NDI")
    func ipxe() throws {
        let bios = try DHCPPacket.decode(Self.packetBytes("ipxe-bios-discover")).options
        #expect(bios.userClass == ["iPXE"])
        #expect(!bios.userClassIsRFC3004)
        #expect(bios[DHCPOptionCode.userClass] == Array("iPXE".utf8))
        let ipxe = try #require(bios.ipxeEncapsulated)
        // 177 bus ID: type 1 (PCI), vendor 0x8086, device 0x100e (the e1000).
        #expect(ipxe.first?.code == 177)
        #expect(ipxe.first?.value == [0x01, 0x80, 0x86, 0x10, 0x0E])
        // Feature flags: 19 HTTP, 23 DNS, 21 TFTP; 16 PXE extensions version 2.
        for feature: UInt8 in [19, 23, 21] { #expect(ipxe.contains { $0.code == feature && $0.value == [1] }) }
        #expect(ipxe.contains { $0.code == 16 && $0.value == [2] })
        #expect(bios.clientNDI == [1, 2, 1])
        #expect(bios.clientMachineUUID == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(bios.maxMessageSize == 1472)
        #expect(bios.clientIdentifier == [1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56])

        let uefi = try DHCPPacket.decode(Self.packetBytes("ipxe-uefi-discover")).options
        // 36: the EFI image format, only in the EFI build.
        #expect(uefi.ipxeEncapsulated?.contains { $0.code == 36 } == true)
        #expect(bios.ipxeEncapsulated?.contains { $0.code == 36 } == false)
    }

    @Test("OVMF: firmware PXE and HTTP boot identify themselves by vendor class and arch")
    func ovmf() throws {
        let pxe = try DHCPPacket.decode(Self.packetBytes("ovmf-pxe-discover"))
        #expect(pxe.options.userClass == [])
        #expect(pxe.options.ipxeEncapsulated == nil)
        #expect(pxe.options.clientMachineUUID == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(pxe.options.clientNDI == [1, 3, 0])
        let http = try DHCPPacket.decode(Self.packetBytes("ovmf-http-discover"))
        #expect(http.options.vendorClass?.hasPrefix("HTTPClient") == true)
        #expect(http.options.clientArchitectures == [16])
        let request = try DHCPPacket.decode(Self.packetBytes("ovmf-pxe-request"))
        #expect(request.options.maxMessageSize == 65280)
        #expect(request.xid == pxe.xid)
    }
}
