import Foundation
import Testing
@testable import Proxmox
import Wire

struct ProxmoxErrorMappingTests {
    @Test func dataIsUnwrapped() throws {
        #expect(try ProxmoxEnvelope.data(status: 200, reason: "OK", body: Array(#"{"data":"102"}"#.utf8)) == .string("102"))
    }

    @Test func fieldErrorsAreKept() {
        let body = Array(#"{"data":null,"message":"Parameter verification failed.\n","errors":{"cores":"type check ('integer') failed - got 'abc'"}}"#.utf8)
        #expect(throws: ProxmoxError.api(status: 400, message: "Parameter verification failed.",
                                         fieldErrors: ["cores": "type check ('integer') failed - got 'abc'"])) {
            try ProxmoxEnvelope.data(status: 400, reason: "Parameter verification failed.", body: body)
        }
    }

    @Test func reasonPhraseWhenTheBodyHasNoMessage() {
        #expect(throws: ProxmoxError.api(status: 595, message: "No route to host", fieldErrors: [:])) {
            try ProxmoxEnvelope.data(status: 595, reason: "No route to host", body: [])
        }
        #expect(throws: ProxmoxError.api(status: 502, message: "HTTP 502", fieldErrors: [:])) {
            try ProxmoxEnvelope.data(status: 502, reason: "", body: Array("<html>bad gateway</html>".utf8))
        }
    }

    @Test func successWithoutJSONIsMalformed() {
        #expect(throws: ProxmoxError.self) { try ProxmoxEnvelope.data(status: 200, reason: "OK", body: Array("<html>".utf8)) }
    }

    @Test func lockContentionIsRetriedWithBackOffAndOtherErrorsAreNot() {
        let policy = RetryPolicy(attempts: 4, firstDelay: 1, maximumDelay: 3)
        let lock = ProxmoxError.api(status: 500, message: "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", fieldErrors: [:])
        #expect((1...4).map { policy.delay(after: lock, attempt: $0) } == [1, 2, 3, nil])
        #expect(policy.delay(after: .taskFailed(upid: "u", exitStatus: "VM is locked (backup)", logTail: []), attempt: 1) == 1)
        #expect(policy.delay(after: .api(status: 400, message: "Parameter verification failed.", fieldErrors: [:]), attempt: 1) == nil)
        #expect(policy.delay(after: .transport("refused"), attempt: 1) == nil)
    }

    @Test func curlIncludedOutputSkipsInterimResponses() throws {
        let output = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 VM is locked (backup)\r\nContent-Type: application/json\r\n\r\n{\"data\":null}".utf8)
        let reply = try CurlConfig.parseIncluded(output)
        #expect(reply.status == 500)
        #expect(reply.reason == "VM is locked (backup)")
        #expect(String(decoding: reply.body, as: UTF8.self) == "{\"data\":null}")
        #expect(reply.headers == ["content-type": "application/json"])
        #expect(throws: ProxmoxError.self) { try CurlConfig.parseIncluded(Array("garbage".utf8)) }
    }

    @Test func curlConfigQuotesSecretsAndNeverPutsThemInArguments() {
        let exchange = HTTPExchange(method: "POST", url: "https://pve:8006/api2/json/x", headers: [("Authorization", "PVEAPIToken=a@pve!t=s\"e\\c")],
                                    body: "a=1")
        let config = CurlConfig.render(exchange, caFile: "/d/ca.pem", timeout: 10)
        #expect(config.contains(#"header = "Authorization: PVEAPIToken=a@pve!t=s\"e\\c""#))
        #expect(config.contains(#"cacert = "/d/ca.pem""#))
        #expect(config.contains(#"data-binary = "a=1""#))
        #expect(config.contains("application/x-www-form-urlencoded"))
    }

    /// Redfish sends JSON through the same transport: its own Content-Type replaces the form's.
    @Test func curlConfigKeepsTheCallersContentType() {
        let exchange = HTTPExchange(method: "PATCH", url: "https://bmc/redfish/v1/Systems/1", headers: [("Content-Type", "application/json")],
                                    body: "{}")
        let config = CurlConfig.render(exchange, caFile: nil, timeout: 10)
        #expect(config.contains(#"header = "Content-Type: application/json""#))
        #expect(!config.contains("x-www-form-urlencoded"))
    }

    @Test func ticketHeadersCarryCSRFOnWritesOnlyAndRenewBeforeTwoHours() {
        let issued = Date(timeIntervalSince1970: 1000)
        let ticket = ProxmoxAuth.Ticket(ticket: "PVE:root@pam:1::x", csrf: "C", issued: issued)
        let credentials = ProxmoxEndpoint.Credentials.password(user: "root@pam", password: "p")
        #expect(ProxmoxAuth.headers(credentials, ticket: ticket, method: "GET").map(\.0) == ["Cookie"])
        #expect(ProxmoxAuth.headers(credentials, ticket: ticket, method: "POST").map(\.1) == ["PVEAuthCookie=PVE:root@pam:1::x", "C"])
        #expect(ProxmoxAuth.headers(.token(id: "a@pve!t", secret: "s"), ticket: nil, method: "PUT").map(\.1) == ["PVEAPIToken=a@pve!t=s"])
        #expect(!ProxmoxAuth.needsLogin(ticket, now: issued.addingTimeInterval(3600)))
        #expect(ProxmoxAuth.needsLogin(ticket, now: issued.addingTimeInterval(7200 - 60)))
        #expect(ProxmoxAuth.needsLogin(nil, now: issued))
    }
}
