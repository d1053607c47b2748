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
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        // The length check first: lowercasing every name of every response showed in profiles.
        for field in headers where !(field.name.utf8.count == 14 && field.name.lowercased() == "content-length") {
            head += "\(field.name): \(field.value)\r\n"
        }
        // RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 has no body to measure.
        if status >= 200, status != 204, status != 304 { head += "Content-Length: \(bodyLength)\r\n" }
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// Head and in-memory body; a file body is sent separately after the head.
    public func encode(keepAlive: Bool, includeBody: Bool = true) -> [UInt8] {
        var bytes = encodeHead(keepAlive: keepAlive)
        if includeBody { bytes += body }
        return bytes
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
