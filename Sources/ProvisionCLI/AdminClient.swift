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
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        switch Self.perform(request) {
        case .failure(let error):
            throw CLIError("cannot reach provisiond at \(server.absoluteString): \(error.localizedDescription)")
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
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.encoded().utf8)
        }
        let outcome = Self.perform(request)
        switch outcome {
        case .failure(let error):
            throw CLIError("cannot reach provisiond at \(server.absoluteString): \(error.localizedDescription)")
        case .success(let (status, data)):
            guard !data.isEmpty else { return Reply(status: status, body: nil) }
            do {
                return Reply(status: status, body: try JSONParser.parse([UInt8](data)))
            } catch {
                throw CLIError("HTTP \(status) from \(url.absoluteString) with a body that is not JSON: \(error.description)")
            }
        }
    }

    private final class Box: @unchecked Sendable {
        var outcome: Result<(Int, Data), Error> = .failure(URLError(.unknown))
    }

    private static func perform(_ request: URLRequest) -> Result<(Int, Data), Error> {
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
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
