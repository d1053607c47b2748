/// Incremental HTTP/1.1 request parser (RFC 9112). Feed it bytes as they arrive, in any split,
/// and take complete requests out; pipelined requests come out one after another. After an error
/// the parser stays failed: the connection must answer and close.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var start = 0
    /// How far the search for the end of the header section has got.
    private var scanned = 0
    private var state: State = .head
    private var failure: HTTPParseError?

    private enum State: Sendable {
        case head
        case fixedBody(HTTPRequest, remaining: Int)
        case chunkedBody(HTTPRequest, ChunkedBodyDecoder)
    }

    public init(limits: HTTPLimits = HTTPLimits()) { self.limits = limits }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Bytes received but not yet part of a returned request.
    public var bufferedByteCount: Int { buffer.count - start }

    /// Whether the current request's head is complete and its body is being read.
    public var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    /// The next complete request, nil if more bytes are needed.
    public mutating func nextRequest() throws(HTTPParseError) -> HTTPRequest? {
        if let failure { throw failure }
        do {
            let request = try step()
            compact()
            return request
        } catch {
            failure = error
            throw error
        }
    }

    private mutating func step() throws(HTTPParseError) -> HTTPRequest? {
        switch state {
        case .head:
            guard let request = try parseHead() else { return nil }
            return try beginBody(request)
        case .fixedBody(var request, let remaining):
            guard buffer.count - start >= remaining else { return nil }
            request.body = Array(buffer[start..<start + remaining])
            start += remaining
            state = .head
            return request
        case .chunkedBody(var request, var decoder):
            let done = try decoder.consume(buffer, from: &start)
            guard done else {
                state = .chunkedBody(request, decoder)
                return nil
            }
            request.body = decoder.body
            state = .head
            return request
        }
    }

    /// Finds and parses the request line and header fields once the blank line has arrived.
    private mutating func parseHead() throws(HTTPParseError) -> HTTPRequest? {
        // RFC 9112 §2.2: ignore empty lines received before the request line.
        while start < buffer.count, buffer[start] == 0x0D || buffer[start] == 0x0A { start += 1 }
        scanned = max(scanned, start)
        var end: Int?
        while scanned < buffer.count {
            if buffer[scanned] == 0x0A, endsHeaderSection(at: scanned) {
                end = scanned + 1
                break
            }
            scanned += 1
        }
        guard let end else {
            if buffer.count - start > limits.maxHeaderBytes { throw .headerTooLarge(limit: limits.maxHeaderBytes) }
            return nil
        }
        if end - start > limits.maxHeaderBytes { throw .headerTooLarge(limit: limits.maxHeaderBytes) }
        let lines = splitLines(buffer[start..<end])
        start = end
        scanned = end
        return try HTTPHeadParser.parse(lines: lines, limits: limits)
    }

    /// Whether the LF at `index` is the second of two line ends (LF LF or LF CR LF).
    private func endsHeaderSection(at index: Int) -> Bool {
        if index >= start + 1, buffer[index - 1] == 0x0A { return true }
        return index >= start + 2 && buffer[index - 1] == 0x0D && buffer[index - 2] == 0x0A
    }

    private func splitLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == 0x0A {
            var lineEnd = index
            if lineEnd > lineStart, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            if lineEnd > lineStart { lines.append(bytes[lineStart..<lineEnd]) }
            lineStart = index + 1
        }
        return lines
    }

    /// Chooses the body framing (RFC 9112 §6.3).
    private mutating func beginBody(_ request: HTTPRequest) throws(HTTPParseError) -> HTTPRequest? {
        let encodings = request.headers.values("Transfer-Encoding")
        let lengths = request.headers.values("Content-Length")
        if !encodings.isEmpty {
            // A message with both is a smuggling vector (RFC 9112 §6.1): refuse it.
            guard lengths.isEmpty else { throw .conflictingFraming }
            let codings = encodings.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces().lowercased() }
            guard codings == ["chunked"] else { throw .unsupportedTransferEncoding(encodings.joined(separator: ", ")) }
            state = .chunkedBody(request, ChunkedBodyDecoder(limit: limits.maxBodyBytes))
            return try step()
        }
        guard let length = try Self.contentLength(lengths) else { return request }
        if length > limits.maxBodyBytes { throw .bodyTooLarge(length: length, limit: limits.maxBodyBytes) }
        if length == 0 { return request }
        state = .fixedBody(request, remaining: length)
        return try step()
    }

    /// One Content-Length value; repeated identical values are allowed (RFC 9112 §6.3 item 5).
    private static func contentLength(_ values: [String]) throws(HTTPParseError) -> Int? {
        let all = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }.map { $0.trimmingSpaces() }
        guard let first = all.first else { return nil }
        guard all.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
              first.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let length = Int(first)
        else { throw .invalidContentLength(values.joined(separator: ", ")) }
        return length
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            scanned = 0
            start = 0
        } else if start > 64 * 1024, start > buffer.count / 2 {
            buffer.removeFirst(start)
            scanned -= start
            start = 0
        }
    }
}
