import Foundation
import TestSupport
import Testing
import Wire

/// Proxmox operations run while their admin request waits: with `--idle-timeout 1` and fakepve
/// answering each call 0.2 s late, a template rollout and a VM create take seconds, and their
/// answers still arrive, on a connection that stays usable afterwards.
@Suite(.timeLimit(.minutes(5))) struct ProxmoxIdleTimeoutTests {
    @Test func operationsOutlastingTheIdleTimeoutAreAnswered() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try ProxmoxLab(dir, responseDelay: 0.2, serverArguments: ["--idle-timeout", "1"])
        var started = Date()
        let rollout = try lab.rollout(nodes: ["pve1"])
        let rolloutSeconds = Date().timeIntervalSince(started)
        #expect(rollout.status == 0, "\(rollout.stderr)")
        #expect(try JSONParser.parse(rollout.stdout).arrayValue?.map { $0["status"]?.stringValue } == ["created"])
        #expect(rolloutSeconds > 1.5, "the rollout took \(rolloutSeconds) s: not longer than the idle timeout")

        // A keep-alive client: the create's answer, then a second request on the same connection.
        let http = try RawHTTPClient(port: lab.server.adminPort, timeoutSeconds: 10)
        let body = #"{"name":"slow1","endpoint":"lab","template":"debian-12","profile":"debian-12"}"#
        started = Date()
        try http.send("POST /api/v1/proxmox/vms HTTP/1.1\r\nHost: provisiond\r\nAuthorization: Bearer \(lab.server.token)\r\n"
                      + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let created = try #require(try http.readResponse(), "no answer to the VM create")
        let createSeconds = Date().timeIntervalSince(started)
        #expect(created.status == 201, "\(created.body)")
        #expect(createSeconds > 1.5, "the create took \(createSeconds) s: not longer than the idle timeout")
        try http.send("GET /healthz HTTP/1.1\r\nHost: provisiond\r\n\r\n")
        #expect(try http.readResponse()?.status == 200, "the connection was closed right after the long answer")
    }
}
