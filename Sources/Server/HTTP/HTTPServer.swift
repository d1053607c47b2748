import Dispatch
import Net
import Synchronization
import Wire

/// What a handler learns about where a request came from.
public struct RequestContext: Sendable {
    public let peer: SocketAddress
    /// Our address the request arrived on.
    public let local: SocketAddress

    public init(peer: SocketAddress, local: SocketAddress) {
        self.peer = peer
        self.local = local
    }

    /// The operator's `--server-url`, else `http://ADDRESS:PORT` of the address this request
    /// came in on: the machine reached us there.
    public func serverURL(override: String?) -> String { override ?? "http://\(local)" }
}

/// Answers one request. Handlers run on the connection's queue and may block briefly (SQLite).
public typealias HTTPHandler = @Sendable (HTTPRequest, RequestContext) -> HTTPResponse

public struct HTTPServerOptions: Sendable {
    public var limits = HTTPLimits()
    /// A connection with no complete request for this long is closed (a request in progress gets
    /// 408 first).
    public var idleTimeout: Double = 60

    public init(limits: HTTPLimits = HTTPLimits(), idleTimeout: Double = 60) {
        self.limits = limits
        self.idleTimeout = idleTimeout
    }
}

/// HTTP/1.1 over `TCPListener`: keep-alive, pipelining answered in order, size limits and idle
/// timeouts from `HTTPServerOptions`, one access-log line per request.
public final class HTTPServer: @unchecked Sendable {
    public let name: String
    private let listener: TCPListener
    private let registry = ConnectionRegistry()
    /// Beats when the accept queue runs a `probe`.
    public let heartbeat: Heartbeat

    public var address: SocketAddress { listener.address }

    public init(name: String, address: SocketAddress, options: HTTPServerOptions, log: Logger, handler: @escaping HTTPHandler) throws(NetError) {
        self.name = name
        heartbeat = Heartbeat(plane: name)
        let registry = registry
        listener = try TCPListener(address: address) { connection in
            let session = HTTPSession(connection: connection, options: options, log: log, handler: handler)
            registry.add(session)
            connection.queue.async { session.start { registry.remove(session) } }
        }
    }

    public func start() { listener.start() }

    /// Makes the heartbeat beat from the accept queue: it beats only while that queue, and
    /// Dispatch's threads behind it, get to run.
    public func probe() { listener.probe { [heartbeat] in heartbeat.beat() } }

    /// Stops accepting and closes every open connection.
    public func stop() {
        listener.close()
        registry.closeAll()
    }
}

/// The open sessions of one server, so shutdown can close them.
final class ConnectionRegistry: Sendable {
    private let sessions = Mutex<[ObjectIdentifier: HTTPSession]>([:])

    func add(_ session: HTTPSession) { sessions.withLock { $0[ObjectIdentifier(session)] = session } }
    func remove(_ session: HTTPSession) { _ = sessions.withLock { $0.removeValue(forKey: ObjectIdentifier(session)) } }

    func closeAll() {
        let open = sessions.withLock { Array($0.values) }
        for session in open { session.connection.queue.sync { session.connection.close() } }
    }
}
