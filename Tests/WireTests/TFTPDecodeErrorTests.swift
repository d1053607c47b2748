import Testing
import Wire

@Suite("TFTPPacket: decode errors")
struct TFTPDecodeErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let input: [UInt8]
        let reason: TFTPDecodeError.Reason
        /// Words the message must contain.
        let mentions: String
        var testDescription: String { label }
    }

    static let rrq: [UInt8] = [0, 1]

    static let cases: [Case] = [
        Case(label: "empty datagram", input: [], reason: .tooShort(length: 0), mentions: "too short"),
        Case(label: "one byte", input: [0], reason: .tooShort(length: 1), mentions: "too short"),
        Case(label: "opcode 0", input: [0, 0, 1, 2], reason: .unknownOpcode(0), mentions: "unknown TFTP opcode 0"),
        Case(label: "opcode 7", input: [0, 7], reason: .unknownOpcode(7), mentions: "unknown TFTP opcode 7"),
        Case(label: "opcode 257", input: [1, 1, 0, 0], reason: .unknownOpcode(257), mentions: "opcode 257"),
        Case(label: "RRQ without anything", input: rrq, reason: .filenameNotTerminated, mentions: "filename not NUL-terminated"),
        Case(label: "filename not terminated", input: rrq + bytes("file"), reason: .filenameNotTerminated, mentions: "not NUL-terminated"),
        Case(label: "empty filename", input: rrq + bytes("\0octet\0"), reason: .emptyFilename, mentions: "empty filename"),
        Case(label: "invalid UTF-8 filename", input: rrq + [0x66, 0xFF, 0xFE, 0] + bytes("octet\0"), reason: .nonUTF8Filename, mentions: "UTF-8"),
        Case(label: "overlong UTF-8 filename", input: rrq + [0xC0, 0xAF, 0] + bytes("octet\0"), reason: .nonUTF8Filename, mentions: "UTF-8"),
        Case(label: "truncated UTF-8 filename", input: rrq + [0x66, 0xE2, 0x82, 0] + bytes("octet\0"), reason: .nonUTF8Filename, mentions: "UTF-8"),
        Case(label: "no mode", input: rrq + bytes("f\0"), reason: .missingMode, mentions: "without a transfer mode"),
        Case(label: "mode not terminated", input: rrq + bytes("f\0octet"), reason: .modeNotTerminated, mentions: "mode not NUL-terminated"),
        Case(label: "mail mode", input: rrq + bytes("f\0mail\0"), reason: .badMode("mail"), mentions: "bad TFTP mode \"mail\""),
        Case(label: "empty mode", input: rrq + bytes("f\0\0"), reason: .badMode(""), mentions: "bad TFTP mode \"\""),
        Case(label: "binary mode", input: [0, 2] + bytes("f\0binary\0"), reason: .badMode("binary"), mentions: "\"binary\""),
        Case(label: "octet prefix", input: rrq + bytes("f\0octets\0"), reason: .badMode("octets"), mentions: "\"octets\""),
        Case(label: "empty option name", input: rrq + bytes("f\0octet\0\0"), reason: .emptyOptionName, mentions: "empty name"),
        Case(label: "unterminated option name", input: rrq + bytes("f\0octet\0blksize"), reason: .unterminatedOption("blksize"),
             mentions: "unterminated TFTP option \"blksize\""),
        Case(label: "unterminated option value", input: rrq + bytes("f\0octet\0blksize\01428"), reason: .unterminatedOption("blksize=1428"),
             mentions: "unterminated"),
        Case(label: "option without value", input: rrq + bytes("f\0octet\0tsize\0"), reason: .optionWithoutValue("tsize"),
             mentions: "\"tsize\" without value"),
        Case(label: "second option without value", input: rrq + bytes("f\0octet\0tsize\00\0blksize\0"), reason: .optionWithoutValue("blksize"),
             mentions: "without value"),
        Case(label: "duplicate option", input: rrq + bytes("f\0octet\0blksize\0512\0tsize\00\0BLKSIZE\01024\0"),
             reason: .duplicateOption("blksize"), mentions: "duplicate TFTP option \"blksize\""),
        Case(label: "invalid UTF-8 option name", input: rrq + bytes("f\0octet\0") + [0xFF, 0] + bytes("1\0"), reason: .nonUTF8Option, mentions: "UTF-8"),
        Case(label: "invalid UTF-8 option value", input: rrq + bytes("f\0octet\0x\0") + [0xFF, 0], reason: .nonUTF8Option, mentions: "UTF-8"),
        Case(label: "DATA without block", input: [0, 3, 0], reason: .truncated(.data, length: 3, minimum: 4), mentions: "DATA packet too short"),
        Case(label: "DATA payload over 65464", input: [0, 3, 0, 1] + Array(repeating: 0, count: 65465), reason: .payloadTooLarge(65465),
             mentions: "65465 bytes is over the maximum of 65464"),
        Case(label: "ACK without block", input: [0, 4], reason: .truncated(.ack, length: 2, minimum: 4), mentions: "ACK packet too short"),
        Case(label: "ACK with 1 trailing byte", input: [0, 4, 0, 1, 0], reason: .trailingBytes(.ack, count: 1), mentions: "1 trailing byte after TFTP ACK"),
        Case(label: "ACK with 3 trailing bytes", input: [0, 4, 0, 1, 1, 2, 3], reason: .trailingBytes(.ack, count: 3), mentions: "3 trailing bytes"),
        Case(label: "ERROR without code", input: [0, 5, 0], reason: .truncated(.error, length: 3, minimum: 4), mentions: "ERROR packet too short"),
        Case(label: "OACK option without value", input: [0, 6] + bytes("blksize\0"), reason: .optionWithoutValue("blksize"), mentions: "without value"),
        Case(label: "OACK duplicate", input: [0, 6] + bytes("tsize\01\0tsize\01\0"), reason: .duplicateOption("tsize"), mentions: "duplicate"),
    ]

    @Test("malformed packets are refused with a precise reason", arguments: cases)
    func refused(_ testCase: Case) {
        let error = #expect(throws: TFTPDecodeError.self) { try TFTPPacket.decode(testCase.input) }
        #expect(error?.reason == testCase.reason)
        #expect(error?.description.contains(testCase.mentions) == true, "message: \(error?.description ?? "none")")
    }

    @Test("a DATA payload of exactly 65464 bytes is accepted")
    func maxPayload() throws {
        let payload = Array(repeating: UInt8(7), count: 65464)
        #expect(try TFTPPacket.decode([0, 3, 0xFF, 0xFF] + payload) == .data(block: 65535, payload: payload))
    }

    @Test("huge hostile values are cut in messages")
    func longValuesCut() {
        let mode = String(repeating: "m", count: 5000)
        let error = #expect(throws: TFTPDecodeError.self) { try TFTPPacket.decode([0, 1] + bytes("f\0\(mode)\0")) }
        #expect(error?.reason == .badMode(mode))
        #expect((error?.description.count ?? 0) < 200)
    }
}
