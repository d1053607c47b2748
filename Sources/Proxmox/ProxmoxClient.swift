import Foundation
import Wire

/// A blocking client for one endpoint's `/api2/json`: authenticates (token, or a ticket renewed
/// before it lapses), sends form-encoded parameters, unwraps `{"data": ...}`, retries lock
/// contention with back-off and waits for the UPID tasks that writes start.
public final class ProxmoxClient: @unchecked Sendable {
    public typealias Parameters = [(String, ProxmoxForm.Value)]

    public let endpoint: ProxmoxEndpoint
    let transport: ProxmoxTransport
    public var retry = RetryPolicy()
    /// Seconds a task may run (an image download, a full clone of a large disk) before it is
    /// given up.
    public var taskTimeout: Double = 3600
    let sleep: @Sendable (Double) -> Void
    private let lock = NSLock()
    private var ticket: ProxmoxAuth.Ticket?

    public init(endpoint: ProxmoxEndpoint, transport: ProxmoxTransport,
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.endpoint = endpoint
        self.transport = transport
        self.sleep = sleep
    }

    /// A client over curl with the endpoint's trust; a pinned fingerprint is checked first.
    public static func connect(_ endpoint: ProxmoxEndpoint) throws(ProxmoxError) -> ProxmoxClient {
        let caFile: String?
        switch endpoint.trust {
        case .caFile(let path): caFile = path
        case .fingerprint(let fingerprint, let pinnedFile):
            try CertificateProbe.pin(fingerprint, url: endpoint.url.absoluteString, into: pinnedFile)
            caFile = pinnedFile
        case .system: caFile = nil
        }
        return ProxmoxClient(endpoint: endpoint, transport: try CurlTransport(caFile: caFile))
    }

    public func get(_ path: String, _ query: Parameters = []) throws(ProxmoxError) -> JSONValue {
        try withRetry { () throws(ProxmoxError) in try request("GET", path, query) }
    }

    /// A write whose answer is returned as it is (no task).
    public func write(_ method: String, _ path: String, _ parameters: Parameters = []) throws(ProxmoxError) -> JSONValue {
        try withRetry { () throws(ProxmoxError) in try request(method, path, parameters) }
    }

    /// A write that starts a task: sends it, waits for the UPID to stop, and retries the whole
    /// step when it failed on a held lock. Returns the task's warning count. A `null` answer is a
    /// change PVE made at once (e.g. resize before PVE 8 ran no task).
    @discardableResult
    public func task(_ method: String, _ path: String, _ parameters: Parameters = []) throws(ProxmoxError) -> Int {
        try withRetry { () throws(ProxmoxError) in
            let data = try request(method, path, parameters)
            if data == .null { return 0 }
            guard let text = data.stringValue else { throw .malformed("\(method) \(path) answered no task id but \(data.encoded())") }
            return try wait(for: try UPID(text))
        }
    }

    /// Polls `GET /nodes/{node}/tasks/{upid}/status` until it is stopped.
    public func wait(for upid: UPID) throws(ProxmoxError) -> Int {
        let path = "/nodes/\(Self.segment(upid.node))/tasks/\(Self.segment(upid.text))/status"
        let deadline = Date().addingTimeInterval(taskTimeout)
        var interval = 0.05
        while true {
            switch try TaskOutcome(status: try request("GET", path, [])) {
            case .succeeded(let warnings): return warnings
            case .failed(let exitStatus): throw .taskFailed(upid: upid.text, exitStatus: exitStatus, logTail: logTail(upid))
            case .running:
                guard Date() < deadline else { throw .taskTimeout(upid: upid.text, seconds: taskTimeout) }
                sleep(interval)
                interval = min(interval * 2, 2)
            }
        }
    }

    /// The last lines of a task's log, for the failure message; empty when it cannot be read.
    private func logTail(_ upid: UPID) -> [String] {
        let path = "/nodes/\(Self.segment(upid.node))/tasks/\(Self.segment(upid.text))/log"
        guard let lines = try? request("GET", path, [("limit", .int(1000))]).arrayValue else { return [] }
        return lines.compactMap { $0["t"]?.stringValue }.filter { !$0.hasPrefix("TASK ERROR") }.suffix(5).map { $0 }
    }

    private func withRetry<T>(_ body: () throws(ProxmoxError) -> T) throws(ProxmoxError) -> T {
        var attempt = 1
        while true {
            do {
                return try body()
            } catch {
                guard let delay = retry.delay(after: error, attempt: attempt) else { throw error }
                sleep(delay)
                attempt += 1
            }
        }
    }

    /// One request with authentication; a ticket refused as expired is renewed once.
    func request(_ method: String, _ path: String, _ parameters: Parameters) throws(ProxmoxError) -> JSONValue {
        do {
            return try send(method, path, parameters, ticket: try currentTicket(renew: false))
        } catch .api(status: 401, let message, let fields) {
            guard case .password = endpoint.credentials else { throw .api(status: 401, message: message, fieldErrors: fields) }
            return try send(method, path, parameters, ticket: try currentTicket(renew: true))
        }
    }

    private func send(_ method: String, _ path: String, _ parameters: Parameters, ticket: ProxmoxAuth.Ticket?) throws(ProxmoxError) -> JSONValue {
        let form = ProxmoxForm.encode(parameters)
        let query = method == "GET" || method == "DELETE"
        var exchange = HTTPExchange(method: method, url: endpoint.apiBase + path + (query && !form.isEmpty ? "?" + form : ""),
                                    headers: ProxmoxAuth.headers(endpoint.credentials, ticket: ticket, method: method))
        if !query { exchange.body = form }
        let reply = try transport.send(exchange)
        return try ProxmoxEnvelope.data(status: reply.status, reason: reply.reason, body: reply.body)
    }

    private func currentTicket(renew: Bool) throws(ProxmoxError) -> ProxmoxAuth.Ticket? {
        guard case .password(let user, let password) = endpoint.credentials else { return nil }
        if !renew, let ticket = lock.withLock({ ticket }), !ProxmoxAuth.needsLogin(ticket, now: Date()) { return ticket }
        let data = try send("POST", "/access/ticket", [("username", .text(user)), ("password", .text(password))], ticket: nil)
        guard let value = data["ticket"]?.stringValue, let csrf = data["CSRFPreventionToken"]?.stringValue else {
            throw .malformed("login answered without a ticket and CSRF token")
        }
        let fresh = ProxmoxAuth.Ticket(ticket: value, csrf: csrf, issued: Date())
        lock.withLock { ticket = fresh }
        return fresh
    }

    /// A path segment percent-encoded (a UPID holds `:` and `@`, a node name may hold anything).
    public static func segment(_ text: String) -> String { ProxmoxForm.percentEncode(text) }
}
