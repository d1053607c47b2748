import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Wire

/// A blocking client for provisiond's admin API.
public struct AdminClient: Sendable {
    public let server: URL
    public let token: String
    public var timeout: TimeInterval = 30

    public init(server: URL, token: String) {
        self.server = server
        self.token = token
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: JSONValue?
    }

    /// Sends one request; non-2xx answers become errors carrying the server's message.
    @discardableResult
    public func call(_ method: String, _ path: String, body: JSONValue? = nil) throws(CLIError) -> JSONValue? {
        let reply = try send(method, path, body: body)
        guard (200..<300).contains(reply.status) else {
            let message = reply.body?["error"]?.stringValue ?? "HTTP \(reply.status)"
            if reply.status == 401 {
                throw CLIError("401 unauthorized from \(server.absoluteString): \(message); check --token-file, PROVISION_TOKEN or ./provision-data/admin.token")
            }
            throw CLIError("\(message) (HTTP \(reply.status))")
        }
        return reply.body
    }

    /// A request whose successful answer is text (rendered payloads), printed as it is.
    public func callText(_ method: String, _ path: String) throws(CLIError) -> String {
        guard let url = URL(string: path, relativeTo: server) else { throw CLIError("bad request path \(path)") }
        switch perform(method, url, headers: [("Authorization", "Bearer \(token)")], body: nil) {
        case .failure(let error):
            throw unanswered(error)
        case .success(let (status, data)):
            guard (200..<300).contains(status) else {
                let message = (try? JSONParser.parse([UInt8](data)))?["error"]?.stringValue ?? "HTTP \(status)"
                if status == 401 { throw CLIError("401 unauthorized from \(server.absoluteString): \(message)") }
                throw CLIError("\(message) (HTTP \(status))")
            }
            return String(decoding: data, as: UTF8.self)
        }
    }

    public func send(_ method: String, _ path: String, body: JSONValue? = nil) throws(CLIError) -> Reply {
        guard let url = URL(string: path, relativeTo: server) else { throw CLIError("bad request path \(path)") }
        var headers = [("Authorization", "Bearer \(token)"), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        switch perform(method, url, headers: headers, body: body.map { Data($0.encoded().utf8) }) {
        case .failure(let error):
            throw unanswered(error)
        case .success(let (status, data)):
            guard !data.isEmpty else { return Reply(status: status, body: nil) }
            do {
                return Reply(status: status, body: try JSONParser.parse([UInt8](data)))
            } catch {
                throw CLIError("HTTP \(status) from \(url.absoluteString) with a body that is not JSON: \(error.description)")
            }
        }
    }

    /// What a request that got no answer tells the user: a timeout is no unreachable server, and
    /// the server may still finish what it was asked (a template rollout, a VM clone).
    private func unanswered(_ failure: PlainHTTPExchange.Failure) -> CLIError {
        switch failure {
        case .timedOut: CLIError("no answer from provisiond at \(server.absoluteString) within \(Int(timeout)) s; it may still finish the request")
        case .failed(let why): CLIError("cannot reach provisiond at \(server.absoluteString): \(why)")
        }
    }

    /// Plain HTTP (provisiond's admin listener) on a socket of its own; HTTPS (a proxy in front)
    /// through URLSession.
    private func perform(_ method: String, _ url: URL, headers: [(String, String)], body: Data?) -> Result<(Int, Data), PlainHTTPExchange.Failure> {
        if url.scheme?.lowercased() == "http" {
            return PlainHTTPExchange.perform(method: method, url: url, headers: headers, body: body, timeout: timeout)
        }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        return Self.perform(request).mapError { error in
            let error = error as NSError
            return error.domain == NSURLErrorDomain && error.code == NSURLErrorTimedOut ? .timedOut : .failed(error.localizedDescription)
        }
    }

    private final class Box: @unchecked Sendable {
        var outcome: Result<(Int, Data), Error> = .failure(URLError(.unknown))
    }

    private static func perform(_ request: URLRequest) -> Result<(Int, Data), Error> {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        // swift-corelibs-foundation gives up after the session's timeoutIntervalForRequest (60 s
        // by default) whatever the request's own timeoutInterval says.
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = request.timeoutInterval
        let session = URLSession(configuration: configuration)
        session.dataTask(with: request) { data, response, error in
            if let error {
                box.outcome = .failure(error)
            } else if let http = response as? HTTPURLResponse {
                box.outcome = .success((http.statusCode, data ?? Data()))
            }
            done.signal()
        }.resume()
        done.wait()
        session.finishTasksAndInvalidate()
        return box.outcome
    }
}
