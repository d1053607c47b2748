/// Reads one HTTP/1.1 response (RFC 9112) as its bytes arrive: the status line, the header
/// fields, then the body, delimited by Content-Length, the chunked coding, or the connection's
/// close (§6.3). For provisionctl's plain-HTTP transport, which sends no HEAD and no
/// `Expect: 100-continue`.
public struct HTTPResponseDecoder: Sendable {
    public struct Response: Sendable, Equatable {
        public let status: Int
        public let headers: HTTPHeaders
        public let body: [UInt8]
    }

    private let limits: HTTPLimits
    private var buffer: [UInt8] = []
    private var position = 0
    /// How far the search for the end of the header section has looked (it resumes there).
    private var searched = 0
    private var head: (status: Int, headers: HTTPHeaders)?
    private var framing: Framing?

    private enum Framing: Sendable {
        case length(Int)
        case chunked(ChunkedBodyDecoder)
        case untilClose
    }

    public init(limits: HTTPLimits = HTTPLimits(maxBodyBytes: 64 << 20)) { self.limits = limits }

    /// Takes the next bytes read; the response once it is complete.
    public mutating func consume(_ bytes: [UInt8]) throws(HTTPParseError) -> Response? {
        buffer += bytes
        if head == nil {
            guard let end = Self.endOfHead(buffer, from: searched) else {
                searched = max(0, buffer.count - 3)
                if buffer.count > limits.maxHeaderBytes { throw .headerTooLarge(limit: limits.maxHeaderBytes) }
                return nil
            }
            try readHead(buffer[..<end])
            position = end + 4
        }
        return try readBody()
    }

    /// The connection closed: the response when its body runs to the close, else an error.
    public mutating func finish() throws(HTTPParseError) -> Response {
        guard let head else { throw .incompleteResponse("the connection closed before the header section ended") }
        guard case .untilClose = framing else { throw .incompleteResponse("the connection closed before the body ended") }
        return Response(status: head.status, headers: head.headers, body: Array(buffer[position...]))
    }

    private mutating func readHead(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
        let statusLine = lines.removeFirst()
        // status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4).
        let parts = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        let shown = String(decoding: statusLine.prefix(80), as: UTF8.self)
        guard parts.count >= 2, parts[0].starts(with: "HTTP/1.".utf8), parts[1].count == 3,
              let status = Int(String(decoding: parts[1], as: UTF8.self)), (100...599).contains(status)
        else { throw .malformedStatusLine("\"\(shown)\"") }
        guard lines.count <= limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
        var headers = HTTPHeaders()
        for line in lines {
            let (name, value) = try HTTPHeadParser.parseField(line)
            headers.add(name, value)
        }
        head = (status, headers)
        framing = try Self.framing(status: status, headers: headers, limit: limits.maxBodyBytes)
    }

    /// RFC 9112 §6.3: no body for 1xx, 204 and 304; chunked wins over a length; else the length;
    /// else the body runs to the close.
    private static func framing(status: Int, headers: HTTPHeaders, limit: Int) throws(HTTPParseError) -> Framing {
        if status < 200 || status == 204 || status == 304 { return .length(0) }
        if let coding = headers["Transfer-Encoding"] {
            guard coding.lowercased() == "chunked" else { throw .unsupportedTransferEncoding(coding) }
            return .chunked(ChunkedBodyDecoder(limit: limit))
        }
        guard let value = headers["Content-Length"] else { return .untilClose }
        guard let length = Int(value), length >= 0, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalidContentLength(value)
        }
        guard length <= limit else { throw .bodyTooLarge(length: length, limit: limit) }
        return .length(length)
    }

    private mutating func readBody() throws(HTTPParseError) -> Response? {
        guard let head, let framing else { return nil }
        switch framing {
        case .length(let length):
            guard buffer.count - position >= length else { return nil }
            return Response(status: head.status, headers: head.headers, body: Array(buffer[position..<position + length]))
        case .chunked(var decoder):
            let done = try decoder.consume(buffer, from: &position)
            self.framing = .chunked(decoder)
            return done ? Response(status: head.status, headers: head.headers, body: decoder.body) : nil
        case .untilClose:
            if buffer.count - position > limits.maxBodyBytes { throw .bodyTooLarge(length: buffer.count - position, limit: limits.maxBodyBytes) }
            return nil
        }
    }

    /// Where the blank line that ends the header section starts (CRLF CRLF), if it has arrived,
    /// looking from `start` on.
    private static func endOfHead(_ bytes: [UInt8], from start: Int) -> Int? {
        guard bytes.count - start >= 4 else { return nil }
        return (start...(bytes.count - 4)).first { bytes[$0] == 0x0D && bytes[$0 + 1] == 0x0A && bytes[$0 + 2] == 0x0D && bytes[$0 + 3] == 0x0A }
    }
}
