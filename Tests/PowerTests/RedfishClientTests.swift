import Foundation
@testable import Power
import Proxmox
import Testing
import Wire

@Suite struct RedfishClientTests {
    let endpoint = try! RedfishEndpoint(url: "https://bmc.test", user: "admin", password: "pa:ss", trust: .system)

    func client(_ replies: [HTTPReply]) -> (RedfishClient, ScriptedTransport) {
        let transport = ScriptedTransport(replies)
        return (RedfishClient(endpoint: endpoint, transport: transport, sleep: { _ in }), transport)
    }

    static func reply(_ status: Int, _ body: String = "", headers: [String: String] = [:]) -> HTTPReply {
        HTTPReply(status: status, reason: "", body: Array(body.utf8), headers: headers)
    }

    static let systems = reply(200, #"{"Members": [{"@odata.id": "/redfish/v1/Systems/1"}]}"#)
    static let system = reply(200, RedfishShapesTests.system)

    @Test func statusFindsTheOnlySystemWithBasicAuth() throws {
        let (client, transport) = client([Self.systems, Self.system])
        #expect(try client.state() == .on)
        #expect(transport.sent.map(\.url) == ["https://bmc.test/redfish/v1/Systems", "https://bmc.test/redfish/v1/Systems/1"])
        // "admin:pa:ss" in base64 (RFC 7617 keeps every colon after the first in the password).
        #expect(transport.sent[0].headers.contains { $0 == ("Authorization", "Basic YWRtaW46cGE6c3M=") })
    }

    @Test func cyclePostsAnAllowedResetType() throws {
        let (client, transport) = client([Self.systems, Self.system, Self.reply(204)])
        try client.perform(.cycle)
        let post = try #require(transport.sent.last)
        #expect(post.method == "POST" && post.url == "https://bmc.test/redfish/v1/Systems/1/Actions/ComputerSystem.Reset")
        #expect(post.body == #"{"ResetType":"ForceRestart"}"#)
        #expect(post.headers.contains { $0 == ("Content-Type", "application/json") })
    }

    @Test func pxePatchesTheOverrideWithTheModeTheBMCHas() throws {
        let (client, transport) = client([Self.systems, Self.system, Self.reply(200, "{}")])
        try client.perform(.bootFromNetworkOnce)
        let patch = try #require(transport.sent.last)
        #expect(patch.method == "PATCH" && patch.url == "https://bmc.test/redfish/v1/Systems/1")
        #expect(patch.body == #"{"Boot":{"BootSourceOverrideTarget":"Pxe","BootSourceOverrideEnabled":"Once","BootSourceOverrideMode":"UEFI"}}"#)
    }

    @Test func thePatchCarriesTheSystemsETag() throws {
        let tagged = HTTPReply(status: 200, reason: "OK", body: Self.system.body, headers: ["etag": "W/\"1700000000\""])
        let (client, transport) = client([Self.systems, tagged, Self.reply(204)])
        try client.perform(.bootFromNetworkOnce)
        #expect(transport.sent.last?.headers.contains { $0 == ("If-Match", "W/\"1700000000\"") } == true)
        let (untagged, plain) = self.client([Self.systems, Self.system, Self.reply(204)])
        try untagged.perform(.bootFromNetworkOnce)
        #expect(plain.sent.last?.headers.contains { $0.0 == "If-Match" } == false)
    }

    @Test func acceptedIsFollowedThroughTheTaskMonitor() throws {
        let (client, transport) = client([
            Self.systems, Self.system,
            Self.reply(202, "", headers: ["location": "/redfish/v1/TaskService/TaskMonitors/7"]),
            Self.reply(202, #"{"TaskState": "Running"}"#),
            Self.reply(200, #"{"TaskState": "Completed", "TaskStatus": "OK"}"#),
        ])
        try client.perform(.off)
        #expect(transport.sent.suffix(2).map(\.url) == Array(repeating: "https://bmc.test/redfish/v1/TaskService/TaskMonitors/7", count: 2))
    }

    @Test func aFailedTaskIsTheBMCsError() {
        let (client, _) = client([
            Self.systems, Self.system,
            Self.reply(202, "", headers: ["location": "/redfish/v1/TaskService/Tasks/3"]),
            Self.reply(200, #"{"TaskState": "Exception", "Messages": [{"Message": "power supply fault"}]}"#),
        ])
        #expect(throws: PowerError.bmc(status: 200, message: "task Exception: power supply fault")) { try client.perform(.on) }
    }

    @Test func theBMCsRefusalIsReported() {
        let (client, _) = client([Self.reply(401, #"{"error": {"message": "Invalid credentials"}}"#)])
        #expect(throws: PowerError.bmc(status: 401, message: "Invalid credentials")) { try client.state() }
    }

    @Test func severalSystemsNeedAPath() {
        let (client, _) = client([Self.reply(200, #"{"Members": [{"@odata.id": "/redfish/v1/Systems/a"}, {"@odata.id": "/redfish/v1/Systems/b"}]}"#)])
        #expect(throws: PowerError.invalid("the BMC has 2 systems (/redfish/v1/Systems/a, /redfish/v1/Systems/b): name one in the URL, e.g. https://bmc.test/redfish/v1/Systems/a")) {
            try client.state()
        }
    }

    @Test func aBMCWithoutPxeIsRefusedBeforeThePatch() throws {
        let noPxe = Self.reply(200, RedfishShapesTests.system.replacingOccurrences(of: #""Pxe", "#, with: ""))
        let (client, transport) = client([Self.systems, noPxe])
        #expect(throws: PowerError.unsupported("the BMC's boot override targets are None, Hdd: no Pxe")) { try client.perform(.bootFromNetworkOnce) }
        #expect(transport.sent.count == 2)
    }

    @Test func transportFailuresInTheBMCsTerms() {
        #expect(RedfishClient.powerError(.transport("curl exit 7 for https://bmc: Failed to connect"), url: "https://bmc")
            == .unreachable("curl exit 7 for https://bmc: Failed to connect"))
        guard case .untrusted(let message) = RedfishClient.powerError(.untrusted("x"), url: "https://bmc") else {
            Issue.record("not untrusted"); return
        }
        #expect(message.contains("--ca-file") && !message.contains("pve"))
    }
}

/// A transport answering from a script and recording what was sent.
final class ScriptedTransport: ProxmoxTransport, @unchecked Sendable {
    var replies: [HTTPReply]
    var sent: [HTTPExchange] = []

    init(_ replies: [HTTPReply]) { self.replies = replies }

    func send(_ exchange: HTTPExchange) throws(ProxmoxError) -> HTTPReply {
        sent.append(exchange)
        guard !replies.isEmpty else { throw .transport("no scripted reply for \(exchange.method) \(exchange.url)") }
        return replies.removeFirst()
    }
}
