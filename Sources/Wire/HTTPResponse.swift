/// A response to encode: status, header fields, and a body held in memory or read from a file.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// When set, the body is this range of an open file instead of `body`: the server streams
    /// it (and closes the descriptor), so large assets never sit in memory.
    public var file: FileRange?
    /// The machine a request concerned, for the access log only: never sent.
    public var subjectMAC: String?

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `length` bytes from `offset` of an open file the response owns.
    public struct FileRange: Sendable, Equatable {
        public let descriptor: Int32
        public let offset: Int
        public let length: Int

        public init(descriptor: Int32, offset: Int, length: Int) {
            self.descriptor = descriptor
            self.offset = offset
            self.length = length
        }
    }

    /// Size of the body, in memory or in the file.
    public var bodyLength: Int { file?.length ?? body.count }

    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// Status line and header section. Content-Length is always the body's size (also for HEAD,
    /// RFC 9110 §9.3.2); `Connection: close` is added when the connection ends after this reply.
    public func encodeHead(keepAlive: Bool) -> [UInt8] {
        var head: [UInt8] = []
        head.reserveCapacity(Self.headCapacity(headers))
        appendHead(to: &head, keepAlive: keepAlive)
        return head
    }

    /// Head and in-memory body in one buffer; a file body is sent separately after the head.
    public func encode(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headCapacity(headers) + (includeBody ? body.count : 0))
        appendHead(to: &bytes, keepAlive: keepAlive)
        if includeBody { bytes += body }
        return bytes
    }

    /// Written straight as bytes: string interpolation, then a copy into an array, was 4 % of
    /// provisiond's samples answering user-data under wrk (perf, bench/http.sh).
    private func appendHead(to bytes: inout [UInt8], keepAlive: Bool) {
        bytes += "HTTP/1.1 ".utf8
        bytes += String(status).utf8
        bytes.append(0x20)
        bytes += Self.reasonPhrase(status).utf8
        bytes += Self.lineEnd
        // The length check first: lowercasing every name of every response showed in profiles.
        for field in headers where !(field.name.utf8.count == 14 && field.name.lowercased() == "content-length") {
            bytes += field.name.utf8
            bytes += ": ".utf8
            bytes += field.value.utf8
            bytes += Self.lineEnd
        }
        // RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 has no body to measure.
        if status >= 200, status != 204, status != 304 {
            bytes += "Content-Length: ".utf8
            bytes += String(bodyLength).utf8
            bytes += Self.lineEnd
        }
        if !keepAlive { bytes += "Connection: close\r\n".utf8 }
        bytes += Self.lineEnd
    }

    private static let lineEnd: [UInt8] = [0x0D, 0x0A]

    /// Room for a head: the fixed lines, and each field's name, value and separators.
    private static func headCapacity(_ headers: HTTPHeaders) -> Int {
        headers.reduce(96) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 206: "Partial Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status \(status)"
        }
    }
}
