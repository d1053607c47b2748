/// The body of a read (RRQ) or write (WRQ) request (RFC 1350 §5, options RFC 2347 §2).
public struct TFTPRequest: Equatable, Sendable {
    /// The file asked for, exactly as sent (any bytes but NUL, valid UTF-8). Path checks are the
    /// server's job, not the codec's.
    public var filename: String
    public var mode: TFTPMode
    /// Options in the order the client sent them; names are lowercased by `TFTPPacket.decode`.
    public var options: [TFTPOption]

    public init(filename: String, mode: TFTPMode, options: [TFTPOption] = []) {
        self.filename = filename
        self.mode = mode
        self.options = options
    }
}

/// A transfer mode (RFC 1350 §1). The obsolete `mail` mode is not supported.
public enum TFTPMode: String, Equatable, Hashable, Sendable {
    case octet
    case netascii

    /// The mode named by `bytes`, compared case-insensitively ("OCTET", "NetASCII"...).
    init?(caseInsensitive bytes: ArraySlice<UInt8>) {
        let lowered = bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }
        if lowered.elementsEqual(TFTPMode.octet.rawValue.utf8) {
            self = .octet
        } else if lowered.elementsEqual(TFTPMode.netascii.rawValue.utf8) {
            self = .netascii
        } else {
            return nil
        }
    }
}

/// One option of a request or an OACK (RFC 2347 §2): a name and a value, both NUL-terminated
/// strings on the wire. Names are case-insensitive; `TFTPPacket.decode` lowercases them.
public struct TFTPOption: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name)=\(value)" }
}

/// ERROR packet codes (RFC 1350 appendix, code 8 from RFC 2347 §4).
public enum TFTPErrorCode: UInt16, Equatable, Hashable, Sendable {
    case notDefined = 0
    case fileNotFound = 1
    case accessViolation = 2
    case diskFull = 3
    case illegalOperation = 4
    case unknownTransferID = 5
    case fileExists = 6
    case noSuchUser = 7
    /// The client refused the server's OACK, or the server refuses a requested option (RFC 2347 §4).
    case optionNegotiation = 8
}
