import Testing
import Wire

@Suite("TFTPPacket: codec")
struct TFTPPacketTests {
    static let roundTrips: [TFTPPacket] = [
        .readRequest(TFTPRequest(filename: "undionly.kpxe", mode: .octet)),
        .readRequest(TFTPRequest(filename: "pxelinux.cfg/01-aa-bb-cc-dd-ee-ff", mode: .netascii, options: [
            TFTPOption(name: "blksize", value: "1428"), TFTPOption(name: "tsize", value: "0"),
            TFTPOption(name: "timeout", value: "3"), TFTPOption(name: "windowsize", value: "16"),
        ])),
        .readRequest(TFTPRequest(filename: "boot/grüb x64.efi", mode: .octet, options: [TFTPOption(name: "x", value: "")])),
        .writeRequest(TFTPRequest(filename: "upload.log", mode: .octet, options: [TFTPOption(name: "tsize", value: "99")])),
        .data(block: 1, payload: []),
        .data(block: 0, payload: [0, 1, 2, 0xFF]),
        .data(block: 65535, payload: Array(repeating: 0xAB, count: 512)),
        .data(block: 7, payload: Array(repeating: 0, count: 65464)),
        .ack(block: 0),
        .ack(block: 258),
        .ack(block: 65535),
        .error(code: .notDefined, message: ""),
        .error(code: .fileNotFound, message: "File not found"),
        .error(code: .accessViolation, message: "outside the root"),
        .error(code: .diskFull, message: "full"),
        .error(code: .illegalOperation, message: "unexpected DATA"),
        .error(code: .unknownTransferID, message: "who are you?"),
        .error(code: .fileExists, message: "exists"),
        .error(code: .noSuchUser, message: "no such user"),
        .error(code: .optionNegotiation, message: "blksize \"4\" refused — ünïcode"),
        .optionAck([TFTPOption(name: "blksize", value: "1428"), TFTPOption(name: "tsize", value: "123456")]),
        .optionAck([]),
    ]

    @Test("decode(encode(p)) == p", arguments: roundTrips)
    func roundTrip(_ packet: TFTPPacket) throws {
        #expect(try TFTPPacket.decode(packet.encode()) == packet)
    }

    @Test("wire bytes follow RFC 1350 §5 and RFC 2347 §2")
    func exactBytes() {
        let rrq = TFTPPacket.readRequest(TFTPRequest(filename: "a.bin", mode: .octet, options: [TFTPOption(name: "blksize", value: "1428")]))
        #expect(rrq.encode() == [0, 1] + bytes("a.bin\0octet\0blksize\01428\0"))
        #expect(TFTPPacket.writeRequest(TFTPRequest(filename: "f", mode: .netascii)).encode() == [0, 2] + bytes("f\0netascii\0"))
        #expect(TFTPPacket.data(block: 0x0102, payload: [9, 8]).encode() == [0, 3, 1, 2, 9, 8])
        #expect(TFTPPacket.ack(block: 0xFFFE).encode() == [0, 4, 0xFF, 0xFE])
        #expect(TFTPPacket.error(code: .fileNotFound, message: "no").encode() == [0, 5, 0, 1] + bytes("no\0"))
        #expect(TFTPPacket.error(code: .optionNegotiation, message: "").encode() == [0, 5, 0, 8, 0])
        #expect(TFTPPacket.optionAck([TFTPOption(name: "tsize", value: "5")]).encode() == [0, 6] + bytes("tsize\05\0"))
    }

    @Test("a NUL inside a string is dropped on encode so the packet still decodes")
    func nulInString() throws {
        let packet = TFTPPacket.error(code: .notDefined, message: "a\0b")
        #expect(packet.encode() == [0, 5, 0, 0] + bytes("ab\0"))
        #expect(try TFTPPacket.decode(packet.encode()) == .error(code: .notDefined, message: "ab"))
    }

    @Test("option names are lowercased, values kept as sent")
    func optionNamesLowercased() throws {
        let packet = try TFTPPacket.decode([0, 1] + bytes("f\0octet\0BlkSize\01024\0TSIZE\00\0WindowSize\0Abc\0"))
        guard case .readRequest(let request) = packet else {
            Issue.record("expected RRQ, got \(packet)")
            return
        }
        #expect(request.options == [
            TFTPOption(name: "blksize", value: "1024"), TFTPOption(name: "tsize", value: "0"),
            TFTPOption(name: "windowsize", value: "Abc"),
        ])
        #expect(try TFTPPacket.decode([0, 6] + bytes("BLKSIZE\01024\0")) == .optionAck([TFTPOption(name: "blksize", value: "1024")]))
    }

    @Test("mode is case-insensitive", arguments: [
        ("octet", TFTPMode.octet), ("OCTET", .octet), ("Octet", .octet), ("oCtEt", .octet),
        ("netascii", .netascii), ("NETASCII", .netascii), ("NetAscii", .netascii),
    ])
    func modeCaseInsensitive(_ text: String, _ mode: TFTPMode) throws {
        #expect(try TFTPPacket.decode([0, 1] + bytes("f\0\(text)\0")) == .readRequest(TFTPRequest(filename: "f", mode: mode)))
        #expect(try TFTPPacket.decode([0, 2] + bytes("f\0\(text)\0")) == .writeRequest(TFTPRequest(filename: "f", mode: mode)))
    }

    @Test("filenames keep every byte but NUL", arguments: [
        "../../etc/passwd", "/abs/path", "C:\\boot\\x.efi", "with space", "ünïcödé/ファイル", "\u{1}\u{7F}", "a\tb\r\nc",
    ])
    func filenames(_ name: String) throws {
        #expect(try TFTPPacket.decode([0, 1] + bytes(name) + bytes("\0octet\0")) == .readRequest(TFTPRequest(filename: name, mode: .octet)))
    }

    @Test("ERROR is read leniently so a client's abort always ends the transfer")
    func lenientError() throws {
        #expect(try TFTPPacket.decode([0, 5, 0, 2] + bytes("no NUL")) == .error(code: .accessViolation, message: "no NUL"))
        #expect(try TFTPPacket.decode([0, 5, 0, 3]) == .error(code: .diskFull, message: ""))
        #expect(try TFTPPacket.decode([0, 5, 0, 1] + bytes("a\0junk")) == .error(code: .fileNotFound, message: "a"))
        #expect(try TFTPPacket.decode([0, 5, 0, 1, 0x61, 0xFF, 0]) == .error(code: .fileNotFound, message: "a\u{FFFD}"))
    }

    @Test("unknown error codes decode to notDefined keeping the message", arguments: [9, 99, 256, 65535] as [UInt16])
    func unknownErrorCode(_ code: UInt16) throws {
        let packet = [0, 5, UInt8(code >> 8), UInt8(code & 0xFF)] + bytes("custom\0")
        #expect(try TFTPPacket.decode(packet) == .error(code: .notDefined, message: "custom"))
    }

    @Test("error codes keep their RFC numbers")
    func errorCodeNumbers() {
        let codes: [TFTPErrorCode] = [.notDefined, .fileNotFound, .accessViolation, .diskFull, .illegalOperation,
                                      .unknownTransferID, .fileExists, .noSuchUser, .optionNegotiation]
        #expect(codes.map(\.rawValue) == Array(0...8))
    }

    @Test("opcodes and their names")
    func opcodes() {
        #expect(TFTPPacket.ack(block: 1).opcode == .ack)
        #expect(TFTPPacket.Opcode.allNames == ["RRQ", "WRQ", "DATA", "ACK", "ERROR", "OACK"])
    }

    @Test("random bytes never crash decode, and whatever decodes re-encodes to the same packet")
    func fuzz() {
        var generator = Xorshift64(seed: 0x7F7F_0001)
        var decoded = 0
        for round in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            var input = (0..<length).map { _ in
                // Mostly NULs and letters so that well-formed packets turn up often.
                switch UInt8.random(in: 0...9, using: &generator) {
                case 0...2: UInt8(0)
                case 3...7: UInt8.random(in: 0x61...0x63, using: &generator)
                default: UInt8.random(in: 0...255, using: &generator)
                }
            }
            if input.count >= 2 {
                input[0] = 0
                input[1] = UInt8(round % 8)
            }
            guard let packet = try? TFTPPacket.decode(input) else { continue }
            decoded += 1
            #expect((try? TFTPPacket.decode(packet.encode())) == packet, "input \(input)")
        }
        #expect(decoded > 1000)
    }
}

extension TFTPPacket.Opcode {
    static var allNames: [String] {
        [TFTPPacket.Opcode.readRequest, .writeRequest, .data, .ack, .error, .optionAck].map(\.name)
    }
}
