import Foundation
import Proxmox
import TestSupport
import Testing
import Wire

/// The Proxmox client against fakepve over TLS: both ways to log in, both ways to trust, and the
/// refusals.
@Suite(.timeLimit(.minutes(3))) struct ProxmoxClientTests {
    private func endpoint(_ pve: FakePVE, _ credentials: ProxmoxEndpoint.Credentials, _ trust: ProxmoxEndpoint.Trust) throws -> ProxmoxEndpoint {
        try ProxmoxEndpoint(name: "fake", url: pve.url, credentials: credentials, trust: trust)
    }

    @Test func tokenAuthWithCAFileTrust() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path)
        let client = try pve.client()
        #expect(try client.get("/version")["version"]?.stringValue?.hasPrefix("9.") == true)
        let wrong = try ProxmoxClient.connect(try endpoint(pve, .token(id: FakePVE.tokenID, secret: "nope"), .caFile(pve.pki.caFile)))
        #expect(throws: ProxmoxError.api(status: 401, message: "authentication failure", fieldErrors: [:])) { try wrong.get("/version") }
    }

    @Test func ticketAuthSendsCSRFOnWrites() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path)
        let client = try ProxmoxClient.connect(try endpoint(pve, .password(user: "root@pam", password: FakePVE.password), .caFile(pve.pki.caFile)))
        // A write: fakepve refuses a ticket without the matching CSRFPreventionToken.
        try client.task("POST", "/nodes/pve1/qemu/100/config", [("description", .text("set with a ticket"))])
        #expect(try client.get("/nodes/pve1/qemu/100/config")["description"] == .string("set with a ticket"))
    }

    @Test func pinnedFingerprintIsAcceptedAndAnotherRefusedWithBoth() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path)
        let fingerprint = try CertificateFingerprint(try pve.pki.serverFingerprint())
        let pinned = try ProxmoxClient.connect(try endpoint(pve, .token(id: FakePVE.tokenID, secret: FakePVE.tokenSecret),
                                                            .fingerprint(fingerprint, pinnedFile: dir.path + "/pinned.pem")))
        #expect(try pinned.get("/nodes").arrayValue?.count == 2)
        let other = try CertificateFingerprint(String(repeating: "AB", count: 32))
        #expect(throws: ProxmoxError.fingerprintMismatch(pinned: other.description, presented: fingerprint.description)) {
            try ProxmoxClient.connect(try endpoint(pve, .token(id: FakePVE.tokenID, secret: FakePVE.tokenSecret),
                                                   .fingerprint(other, pinnedFile: dir.path + "/other.pem")))
        }
    }

    @Test func untrustedCertificateIsRefusedNamingTheOptions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path)
        let client = try ProxmoxClient.connect(try endpoint(pve, .token(id: FakePVE.tokenID, secret: FakePVE.tokenSecret), .system))
        do {
            _ = try client.get("/version")
            Issue.record("a certificate from an unknown CA was accepted")
        } catch {
            guard case .untrusted(let message) = error else { throw error }
            #expect(message.contains("--ca-file") && message.contains("--fingerprint"))
        }
    }

    @Test func badParameterSurfacesPVEsFieldError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path)
        do {
            try pve.client().task("POST", "/nodes/pve1/qemu/100/config", [("cores", .text("many"))])
            Issue.record("fakepve took cores=many")
        } catch {
            guard case .api(400, _, let fields)? = error as? ProxmoxError else { throw error }
            #expect(fields["cores"]?.contains("integer") == true)
        }
    }

    @Test func aTaskStillRunningAtItsTimeoutFailsNamingItsUPID() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path, slowStart: true)
        let client = try pve.client()
        client.taskTimeout = 0.5
        let started = Date()
        do {
            _ = try client.task("POST", "/nodes/pve1/qemu/100/status/start")
            Issue.record("a 5 s start task finished within a 0.5 s task timeout")
        } catch {
            guard case .taskTimeout(let upid, let seconds) = error else { throw error }
            #expect(upid.hasPrefix("UPID:pve1:") && upid.contains(":qmstart:100:") && seconds == 0.5, "\(upid)")
            #expect(error.description.contains("still running after"))
        }
        #expect(Date().timeIntervalSince(started) < 4, "the wait gave up at its timeout, not at the task's end")
    }

    @Test func lockTimeoutIsRetriedUntilItPasses() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pve = try FakePVE(directory: dir.path, faults: [
            .init(method: "POST", suffix: "/nodes/pve1/qemu/100/config", error: "config_lock_timeout", times: 2),
        ])
        let client = try pve.client()
        client.retry = RetryPolicy(attempts: 4, firstDelay: 0.05, maximumDelay: 0.2)
        try client.task("POST", "/nodes/pve1/qemu/100/config", [("description", .text("after two lock timeouts"))])
        #expect(try client.get("/nodes/pve1/qemu/100/config")["description"] == .string("after two lock timeouts"))
    }
}
