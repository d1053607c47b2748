/// A TFTP packet: the five RFC 1350 §5 packets and the RFC 2347 §2 option acknowledgment.
///
/// `decode` is strict: anything that is not exactly one well-formed packet throws a
/// `TFTPDecodeError` naming the problem (the server counts and drops it, or answers with ERROR).
public enum TFTPPacket: Equatable, Sendable {
    /// RRQ, opcode 1.
    case readRequest(TFTPRequest)
    /// WRQ, opcode 2.
    case writeRequest(TFTPRequest)
    /// DATA, opcode 3: a block number and 0 to blksize bytes (RFC 1350 §5, RFC 2348).
    case data(block: UInt16, payload: [UInt8])
    /// ACK, opcode 4.
    case ack(block: UInt16)
    /// ERROR, opcode 5.
    case error(code: TFTPErrorCode, message: String)
    /// OACK, opcode 6 (RFC 2347 §2).
    case optionAck([TFTPOption])

    /// Opcodes (RFC 1350 §5, RFC 2347 §2).
    public enum Opcode: UInt16, Sendable {
        case readRequest = 1, writeRequest, data, ack, error, optionAck
    }

    /// The largest DATA payload: a 65535-byte IPv4 datagram less IP, UDP and TFTP headers
    /// (RFC 2348 §2, blksize range 8–65464).
    public static let maxPayload = 65464

    public var opcode: Opcode {
        switch self {
        case .readRequest: .readRequest
        case .writeRequest: .writeRequest
        case .data: .data
        case .ack: .ack
        case .error: .error
        case .optionAck: .optionAck
        }
    }

    /// The packet's wire form. Strings are written as UTF-8 followed by one NUL; a NUL inside a
    /// string (which could not be decoded back) is dropped.
    public func encode() -> [UInt8] {
        var bytes: [UInt8] = []
        Self.appendUInt16(opcode.rawValue, to: &bytes)
        switch self {
        case .readRequest(let request), .writeRequest(let request):
            Self.appendString(request.filename, to: &bytes)
            Self.appendString(request.mode.rawValue, to: &bytes)
            Self.appendOptions(request.options, to: &bytes)
        case .data(let block, let payload):
            Self.appendUInt16(block, to: &bytes)
            bytes.append(contentsOf: payload)
        case .ack(let block):
            Self.appendUInt16(block, to: &bytes)
        case .error(let code, let message):
            Self.appendUInt16(code.rawValue, to: &bytes)
            Self.appendString(message, to: &bytes)
        case .optionAck(let options):
            Self.appendOptions(options, to: &bytes)
        }
        return bytes
    }

    private static func appendUInt16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    private static func appendString(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: string.utf8.lazy.filter { $0 != 0 })
        bytes.append(0)
    }

    private static func appendOptions(_ options: [TFTPOption], to bytes: inout [UInt8]) {
        for option in options {
            appendString(option.name, to: &bytes)
            appendString(option.value, to: &bytes)
        }
    }
}
