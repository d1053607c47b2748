/// What the server allows options to ask for.
public struct TFTPServerLimits: Equatable, Sendable {
    /// Largest blksize granted (RFC 2348); never above 65464. Lower it to stay under a path MTU.
    public var maxBlockSize: Int
    /// Largest windowsize granted (RFC 7440).
    public var maxWindowSize: Int
    /// Retransmission timeout when the client sends no `timeout` option (RFC 2349).
    public var defaultTimeoutSeconds: Int
    /// Largest window in bytes (windowsize × blksize). A window arrives as one burst and must fit
    /// the client's socket receive buffer (Linux's default is 208 KiB): atftp asking blksize
    /// 65464 with windowsize 4 on loopback loses a block of every window and crawls through
    /// timeouts, so the window is lowered instead (RFC 7440 §3 lets the server grant less).
    public var maxWindowBytes: Int

    public init(maxBlockSize: Int = 65464, maxWindowSize: Int = 64, defaultTimeoutSeconds: Int = 1, maxWindowBytes: Int = 128 * 1024) {
        self.maxBlockSize = maxBlockSize
        self.maxWindowSize = maxWindowSize
        self.defaultTimeoutSeconds = defaultTimeoutSeconds
        self.maxWindowBytes = maxWindowBytes
    }
}

/// The outcome of option negotiation for one read request (RFC 2347, 2348, 2349, 7440).
public struct TFTPNegotiation: Equatable, Sendable {
    /// Bytes per DATA block: 512 unless blksize was negotiated (RFC 1350 §2, RFC 2348).
    public var blockSize: Int
    /// Blocks sent per ACK: 1 unless windowsize was negotiated (RFC 7440).
    public var windowSize: Int
    /// Retransmission timeout, the client's `timeout` option or the server default (RFC 2349).
    public var timeoutSeconds: Int
    /// The file size announced in the OACK, set when the client asked with tsize (RFC 2349).
    public var transferSize: Int?
    /// The OACK's options in request order. Empty: send no OACK, a plain RFC 1350 transfer.
    public var acknowledged: [TFTPOption]

    public init(blockSize: Int = 512, windowSize: Int = 1, timeoutSeconds: Int = 1, transferSize: Int? = nil,
                acknowledged: [TFTPOption] = []) {
        self.blockSize = blockSize
        self.windowSize = windowSize
        self.timeoutSeconds = timeoutSeconds
        self.transferSize = transferSize
        self.acknowledged = acknowledged
    }

    /// Negotiates a read request's options. `fileSize` is the number of bytes that will be sent
    /// (after netascii conversion).
    ///
    /// - blksize: 8–65464 granted, larger values lowered to `limits.maxBlockSize` (RFC 2348 §2
    ///   lets the server answer with a smaller size); below 8 or not a number throws.
    /// - tsize: any number is answered with `fileSize` (RFC 2349 §4: the client sends 0 in a
    ///   RRQ); anything else, or an empty file, leaves the option out.
    /// - timeout: 1–255 granted and echoed (RFC 2349 §3); anything else leaves it out.
    /// - windowsize: 1–65535 granted, lowered to `limits.maxWindowSize` (RFC 7440 §3); 0, more
    ///   than 65535 or not a number throws.
    /// - unknown options are left out (RFC 2347 §3); a repeated name counts once, the first.
    ///
    /// A thrown error means the server answers ERROR 8 (`.optionNegotiation`) and ends the
    /// transfer (RFC 2347 §4).
    public static func negotiate(_ requested: [TFTPOption], fileSize: Int, limits: TFTPServerLimits)
        throws(TFTPNegotiationError) -> TFTPNegotiation
    {
        let maxBlockSize = min(TFTPPacket.maxPayload, max(8, limits.maxBlockSize))
        let maxWindowSize = min(65535, max(1, limits.maxWindowSize))
        var result = TFTPNegotiation(timeoutSeconds: max(1, limits.defaultTimeoutSeconds))
        var seen: Set<String> = []
        for option in requested {
            let name = option.name.lowercased()
            guard seen.insert(name).inserted else { continue }
            let number = decimal(option.value)
            let granted: Int
            switch name {
            case "blksize":
                guard let number, number >= 8 else {
                    throw TFTPNegotiationError(option: name, value: option.value, expected: "a block size from 8 to 65464")
                }
                granted = min(number, maxBlockSize)
                result.blockSize = granted
            case "tsize":
                // An empty file's size is left out: curl (lib/tftp.c) rejects `tsize 0` in an
                // OACK as invalid and aborts; without it every client just reads one empty block.
                guard number != nil, fileSize > 0 else { continue }
                granted = fileSize
                result.transferSize = granted
            case "timeout":
                guard let number, (1...255).contains(number) else { continue }
                granted = number
                result.timeoutSeconds = granted
            case "windowsize":
                guard let number, (1...65535).contains(number) else {
                    throw TFTPNegotiationError(option: name, value: option.value, expected: "a window size from 1 to 65535")
                }
                granted = min(number, maxWindowSize)
                result.windowSize = granted
            default:
                continue
            }
            result.acknowledged.append(TFTPOption(name: name, value: String(granted)))
        }
        // Options arrive in any order: the window's byte budget is applied once both are known.
        let windowLimit = max(1, limits.maxWindowBytes / max(1, result.blockSize))
        if result.windowSize > windowLimit, let index = result.acknowledged.firstIndex(where: { $0.name == "windowsize" }) {
            result.windowSize = windowLimit
            result.acknowledged[index] = TFTPOption(name: "windowsize", value: String(windowLimit))
        }
        return result
    }

    /// A string of ASCII digits as a number, saturating at `Int.max`; nil for anything else.
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? Int.max : sum
        }
        return value
    }
}

/// A requested option the server refuses; the server answers ERROR 8 (RFC 2347 §4).
public struct TFTPNegotiationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The option's name, lowercased.
    public let option: String
    /// The value as the client sent it.
    public let value: String
    /// What a valid value looks like.
    public let expected: String

    public init(option: String, value: String, expected: String) {
        self.option = option
        self.value = value
        self.expected = expected
    }

    public var description: String {
        "TFTP option \(option) refused: \(tftpQuoted(value)) is not \(expected)"
    }
}
