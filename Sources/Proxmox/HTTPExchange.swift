/// One HTTPS request as the transport sends it, and the answer it got.
public struct HTTPExchange: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: String?

    public init(method: String, url: String, headers: [(String, String)] = [], body: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: HTTPExchange, rhs: HTTPExchange) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.elementsEqual(rhs.headers) { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}

public struct HTTPReply: Sendable, Equatable {
    public let status: Int
    public let reason: String
    public let body: [UInt8]
    /// Header names in lower case; a repeated header keeps its last value.
    public let headers: [String: String]

    public init(status: Int, reason: String, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers
    }
}

/// Sends one exchange over TLS with the endpoint's trust.
public protocol ProxmoxTransport: Sendable {
    func send(_ exchange: HTTPExchange) throws(ProxmoxError) -> HTTPReply
}
