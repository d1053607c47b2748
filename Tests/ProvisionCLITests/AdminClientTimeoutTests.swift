import Foundation
import Glibc
import TestSupport
import Testing

@testable import ProvisionCLI

/// How long provisionctl waits for an answer: as long as its command allows (an hour for a
/// template rollout), not Foundation's 60 s session default, and a wait that runs out is said to
/// be one.
@Suite("provisionctl waits as long as its command allows")
struct AdminClientTimeoutTests {
    @Test("an answer after 62 s arrives when the client allows 120 (Foundation's session default gave up at 60)")
    func answerAfterSixtySeconds() async throws {
        let server = try SlowHTTPServer(delay: 62)
        let client = Self.client(port: server.port, timeout: 120)
        let reply = try await Self.offThePool { try client.call("GET", "/api/v1/machines") }
        #expect(reply?["ok"]?.boolValue == true)
    }

    @Test("no answer within the client's timeout is reported as such, not as an unreachable server")
    func timeoutIsSaid() async throws {
        let server = try SlowHTTPServer(delay: 10)
        let client = Self.client(port: server.port, timeout: 2)
        let error = await #expect(throws: CLIError.self) { try await Self.offThePool { try client.call("GET", "/api/v1/machines") } }
        #expect(error?.description == "no answer from provisiond at http://127.0.0.1:\(server.port) within 2 s; it may still finish the request")
    }

    @Test("the request target goes out as written: percent-encoding kept, in path and query")
    func targetKeepsItsEncoding() async throws {
        let server = try SlowHTTPServer(delay: 0)
        let client = Self.client(port: server.port, timeout: 10)
        _ = try await Self.offThePool { try client.call("GET", "/api/v1/proxmox/vms/web%201?endpoint=a%2Fb") }
        #expect(server.requestHead.hasPrefix("GET /api/v1/proxmox/vms/web%201?endpoint=a%2Fb HTTP/1.1\r\nHost: 127.0.0.1:\(server.port)\r\n"),
                "\(server.requestHead)")
    }

    static func client(port: UInt16, timeout: TimeInterval) -> AdminClient {
        var client = AdminClient(server: URL(string: "http://127.0.0.1:\(port)")!, token: "t")
        client.timeout = timeout
        return client
    }

    /// Runs the blocking client on a Dispatch thread, so a long wait holds none of the test
    /// runner's few threads (one per core) that every other test needs.
    static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
