/// Why a request could not be read. Each case maps to the status the server answers with before
/// it closes the connection.
public enum HTTPParseError: Error, Equatable, CustomStringConvertible, Sendable {
    case headerTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case bodyTooLarge(length: Int, limit: Int)
    case malformedRequestLine(String)
    case malformedHeader(String)
    case unsupportedVersion(String)
    case invalidContentLength(String)
    case conflictingFraming
    case unsupportedTransferEncoding(String)
    case malformedChunk(String)
    case missingHost
    /// provisionctl's reading of a response (`HTTPResponseDecoder`).
    case malformedStatusLine(String)
    case incompleteResponse(String)

    public var status: Int {
        switch self {
        case .headerTooLarge, .tooManyHeaders: 431
        case .bodyTooLarge: 413
        case .unsupportedVersion: 505
        case .unsupportedTransferEncoding: 501
        default: 400
        }
    }

    public var description: String {
        switch self {
        case .headerTooLarge(let limit): "request header section exceeds \(limit) bytes"
        case .tooManyHeaders(let limit): "request has more than \(limit) header fields"
        case .bodyTooLarge(let length, let limit): "request body of \(length) bytes exceeds the limit of \(limit)"
        case .malformedRequestLine(let why): "malformed request line: \(why)"
        case .malformedHeader(let why): "malformed header field: \(why)"
        case .unsupportedVersion(let version): "unsupported HTTP version \"\(version)\""
        case .invalidContentLength(let value): "invalid Content-Length \"\(value)\""
        case .conflictingFraming: "request has both Transfer-Encoding and Content-Length"
        case .unsupportedTransferEncoding(let value): "unsupported Transfer-Encoding \"\(value)\""
        case .malformedChunk(let why): "malformed chunked body: \(why)"
        case .missingHost: "HTTP/1.1 request without a Host header"
        case .malformedStatusLine(let why): "malformed status line: \(why)"
        case .incompleteResponse(let why): "incomplete response: \(why)"
        }
    }
}

/// Size limits applied while parsing, before anything is buffered beyond them.
public struct HTTPLimits: Sendable, Equatable {
    public var maxHeaderBytes: Int
    public var maxHeaderCount: Int
    public var maxBodyBytes: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100, maxBodyBytes: Int = 1 << 20) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
