import Dispatch
import Net
import Synchronization
import Wire

/// What a handler learns about where a request came from.
public struct RequestContext: Sendable {
    public let peer: SocketAddress
    /// Our address the request arrived on.
    public let local: SocketAddress

    /// `http://ADDRESS:PORT` of `local`, formatted once per connection (a session keeps its
    /// context): formatting it per request was 8 % of the user-data handler's samples (perf).
    private let localURL: String

    public init(peer: SocketAddress, local: SocketAddress) {
        self.peer = peer
        self.local = local
        localURL = "http://\(local)"
    }

    /// The operator's `--server-url`, else `http://ADDRESS:PORT` of the address this request
    /// came in on: the machine reached us there.
    public func serverURL(override: String?) -> String { override ?? localURL }
}

/// Answers one request: on the connection's event loop when the server's `runsOnLoop` says so
/// (then a wait goes through `EventLoop.blocking`: the inventory's commits do), else on Dispatch,
/// where it may block as long as it needs (Proxmox, long reads).
public typealias HTTPHandler = @Sendable (HTTPRequest, RequestContext) -> HTTPResponse

public struct HTTPServerOptions: Sendable {
    public var limits = HTTPLimits()
    /// A connection with no complete request for this long is closed (a request in progress gets
    /// 408 first).
    public var idleTimeout: Double = 60
    /// A request head must be complete this long after its first byte (slowloris), its body this
    /// long after its head; else 408 and close.
    public var headTimeout: Double = 10
    public var bodyTimeout: Double = 60
    /// Connections held at once, in all and from one source address (`ConnectionBudget`).
    public var connections = 1024
    public var connectionsPerAddress = 64

    public init(limits: HTTPLimits = HTTPLimits(), idleTimeout: Double = 60, headTimeout: Double = 10, bodyTimeout: Double = 60,
                connections: Int = 1024, connectionsPerAddress: Int = 64) {
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.bodyTimeout = bodyTimeout
        self.connections = connections
        self.connectionsPerAddress = connectionsPerAddress
    }
}

/// HTTP/1.1 over `TCPListener`: keep-alive, pipelining answered in order, size limits, idle and
/// request deadlines from `HTTPServerOptions`, one access-log line per request. A connection over
/// the listener's budget is answered 503 with `Retry-After` at the door and closed; the refusals
/// are logged as counts per interval.
public final class HTTPServer: @unchecked Sendable {
    public let name: String
    private let listener: TCPListener
    private let registry: ConnectionRegistry
    private let refusals: RateLimitedLog
    /// Beats when the accept queue runs a `probe`.
    public let heartbeat: Heartbeat

    public var address: SocketAddress { listener.address }

    /// Seconds a refused client is asked to wait (RFC 9110 §10.2.3).
    static let retryAfterSeconds = 2

    /// `runsOnLoop` picks the requests answered on the event loop that read them; the others are
    /// answered on Dispatch.
    public init(name: String, address: SocketAddress, options: HTTPServerOptions, log: Logger, group: EventLoopGroup = .shared,
                runsOnLoop: @escaping @Sendable (HTTPRequest) -> Bool, handler: @escaping HTTPHandler) throws(NetError) {
        self.name = name
        heartbeat = Heartbeat(plane: name)
        let registry = ConnectionRegistry(budget: ConnectionBudget(total: options.connections, perSource: options.connectionsPerAddress))
        self.registry = registry
        let refusals = RateLimitedLog(event: "connections-refused", fields: [("listener", name)], log: log)
        self.refusals = refusals
        let busy = Self.busyResponse
        listener = try TCPListener(address: address, group: group, onShed: { refusals.count("out_of_descriptors") }) { connection in
            switch registry.admit(connection, session: {
                HTTPSession(connection: $0, options: options, log: log, handler: handler, runsOnLoop: runsOnLoop)
            }) {
            case .refuse(let reason):
                refusals.count(reason.rawValue)
                ServerMetrics.shared.httpRequest(listener: name, path: "", status: 503, seconds: 0)
                connection.loop.execute { connection.refuse(with: busy) }
            case .admit(let session, let evicted):
                if let evicted {
                    refusals.count("evicted")
                    evicted.connection.loop.execute { evicted.connection.close() }
                }
                connection.loop.execute { session.start { registry.remove(session) } }
            }
        }
    }

    /// RFC 9110 §15.6.4: 503 says the refusal is temporary; `Retry-After` says when to come back.
    private static let busyResponse: [UInt8] = {
        var response = HTTPResponse.error(503, "too many connections, try again in \(retryAfterSeconds) s")
        response.headers.add("Retry-After", String(retryAfterSeconds))
        return response.encode(keepAlive: false)
    }()

    public func start() { listener.start() }

    /// Makes the heartbeat beat once every event loop has run the probe: it beats only while
    /// they all get to run.
    public func probe() { listener.probe { [heartbeat] in heartbeat.beat() } }

    /// Stops accepting and closes every open connection.
    public func stop() {
        listener.close()
        registry.closeAll()
        refusals.flush()
    }
}
