/// Why bytes are not a TFTP packet. `description` names the problem for logs and ERROR messages.
public struct TFTPDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Fewer than the two bytes of an opcode.
        case tooShort(length: Int)
        /// A DATA, ACK or ERROR packet without its 2-byte block number or error code.
        case truncated(TFTPPacket.Opcode, length: Int, minimum: Int)
        case unknownOpcode(UInt16)
        case filenameNotTerminated
        case emptyFilename
        case nonUTF8Filename
        case missingMode
        case modeNotTerminated
        case badMode(String)
        case emptyOptionName
        /// An option name or value that runs to the end of the packet without a NUL.
        case unterminatedOption(String)
        /// An option name followed by nothing.
        case optionWithoutValue(String)
        case duplicateOption(String)
        case nonUTF8Option
        case trailingBytes(TFTPPacket.Opcode, count: Int)
        case payloadTooLarge(Int)
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .tooShort(let length):
            "TFTP packet too short: \(length) byte\(length == 1 ? "" : "s"), an opcode needs 2"
        case .truncated(let opcode, let length, let minimum):
            "TFTP \(opcode.name) packet too short: \(length) bytes, at least \(minimum) needed"
        case .unknownOpcode(let opcode):
            "unknown TFTP opcode \(opcode)"
        case .filenameNotTerminated:
            "TFTP request filename not NUL-terminated"
        case .emptyFilename:
            "TFTP request with an empty filename"
        case .nonUTF8Filename:
            "TFTP request filename is not valid UTF-8"
        case .missingMode:
            "TFTP request without a transfer mode"
        case .modeNotTerminated:
            "TFTP request mode not NUL-terminated"
        case .badMode(let mode):
            "bad TFTP mode \(tftpQuoted(mode)): expected \"octet\" or \"netascii\""
        case .emptyOptionName:
            "TFTP option with an empty name"
        case .unterminatedOption(let text):
            "unterminated TFTP option \(tftpQuoted(text)): no NUL before the end of the packet"
        case .optionWithoutValue(let name):
            "TFTP option \(tftpQuoted(name)) without value"
        case .duplicateOption(let name):
            "duplicate TFTP option \(tftpQuoted(name))"
        case .nonUTF8Option:
            "TFTP option is not valid UTF-8"
        case .trailingBytes(let opcode, let count):
            "\(count) trailing byte\(count == 1 ? "" : "s") after TFTP \(opcode.name)"
        case .payloadTooLarge(let size):
            "TFTP DATA payload of \(size) bytes is over the maximum of \(TFTPPacket.maxPayload)"
        }
    }
}

extension TFTPPacket.Opcode {
    /// The RFC's name for the packet type: RRQ, WRQ, DATA, ACK, ERROR, OACK.
    public var name: String {
        switch self {
        case .readRequest: "RRQ"
        case .writeRequest: "WRQ"
        case .data: "DATA"
        case .ack: "ACK"
        case .error: "ERROR"
        case .optionAck: "OACK"
        }
    }
}

/// `text` in double quotes, cut to 64 characters so a hostile packet cannot flood the log.
func tftpQuoted(_ text: String) -> String {
    let limit = 64
    guard text.count > limit else { return "\"\(text)\"" }
    return "\"\(text.prefix(limit))…\""
}
