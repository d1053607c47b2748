import Boot
import Foundation
import Inventory
import Testing
import Wire

@testable import Server

/// `/cloud-init/MAC/k3s-config`: each member's config.yaml, read back with a real YAML parser
/// (python3's yaml, which cloud-init itself uses), and the wait for the first server.
@Suite("k3s join config")
struct K3sConfigTests {
    let fixture: AdminFixture
    let responder: K3sConfigResponder
    let first = try! MACAddress("52:54:00:00:00:01")
    let second = try! MACAddress("52:54:00:00:00:02")
    let agent = try! MACAddress("52:54:00:00:00:03")

    init() throws {
        fixture = try AdminFixture()
        responder = K3sConfigResponder(inventory: fixture.inventory, log: Logger(component: "test", minimum: .error))
        _ = try fixture.inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s, version: "v1.31.4+k3s1", tlsSANs: ["k3s.lab", "10.0.0.100"]),
                                                source: "t")
        _ = try fixture.inventory.register(first, MachineSpec(hostname: "s1", profile: "k3s-server", role: "server", cluster: "lab",
                                                              ip: try IPv4Address("10.0.0.11")), source: "t")
        _ = try fixture.inventory.register(second, MachineSpec(hostname: "s2", profile: "k3s-server", role: "server", cluster: "lab",
                                                               ip: try IPv4Address("10.0.0.12")), source: "t")
        _ = try fixture.inventory.register(agent, MachineSpec(hostname: "a1", profile: "k3s-agent", role: "agent", cluster: "lab",
                                                              ip: try IPv4Address("10.0.0.21"), labels: ["zone": "b", "gpu": "yes"]), source: "t")
        // Members ask for their config while installing: their cloud image fetched its user-data.
        for mac in [first, second, agent] { _ = try fixture.inventory.apply(.fetchUserData, to: mac, source: "t") }
    }

    private func fetch(_ mac: MACAddress, token: String? = nil) throws -> HTTPResponse {
        let machine = try #require(try fixture.inventory.machine(mac))
        let request = try HTTPRequest(method: "GET", target: "/cloud-init/\(mac)/k3s-config?token=\(token ?? machine.installToken)",
                                      headers: [:], body: [])
        return try responder.respond(machine, request)
    }

    private func install(_ mac: MACAddress) throws {
        _ = try fixture.inventory.apply(.phoneHome, to: mac, source: "t")
    }

    @Test("the first server initialises the cluster at once; the others wait (503, Retry-After) until it is installed")
    func joinOrder() throws {
        let token = try fixture.inventory.cluster(named: "lab").token
        let firstConfig = try fetch(first)
        #expect(firstConfig.status == 200)
        #expect(try parseYAML(firstConfig.text) == .object([
            ("cluster-init", .bool(true)), ("node-ip", .string("10.0.0.11")), ("node-name", .string("s1")),
            ("tls-san", .array([.string("k3s.lab"), .string("10.0.0.100")])), ("token", .string(token)),
        ]))
        for mac in [second, agent] {
            let waiting = try fetch(mac)
            #expect(waiting.status == 503)
            #expect(waiting.headers["Retry-After"] == "15")
            #expect(try waiting.errorMessage().contains("first server 52:54:00:00:00:01 is installing, not installed yet"))
        }
        try install(first)
        #expect(try parseYAML(try fetch(second).text) == .object([
            ("node-ip", .string("10.0.0.12")), ("node-name", .string("s2")), ("server", .string("https://10.0.0.11:6443")),
            ("tls-san", .array([.string("k3s.lab"), .string("10.0.0.100")])), ("token", .string(token)),
        ]))
        // An agent gets no tls-san (a server flag k3s agent refuses), and its labels.
        #expect(try parseYAML(try fetch(agent).text) == .object([
            ("node-ip", .string("10.0.0.21")), ("node-label", .array([.string("gpu=yes"), .string("zone=b")])), ("node-name", .string("a1")),
            ("server", .string("https://10.0.0.11:6443")), ("token", .string(token)),
        ]))
        let events = try fixture.inventory.events(agent).map { "\($0.event) \($0.detail)" }
        #expect(events.last == "k3s-config agent server=https://10.0.0.11:6443")
    }

    @Test("a wrong or missing token is 403 and recorded; a machine outside a k3s cluster is refused")
    func refusals() throws {
        #expect(try fetch(first, token: "nope").status == 403)
        #expect(try fixture.inventory.events(first).last?.event == "k3s-config-refused")
        let loner = try fixture.inventory.register(try MACAddress("52:54:00:00:00:09"), MachineSpec(hostname: "x", profile: "k3s-agent"), source: "t")
        _ = try fixture.inventory.apply(.fetchUserData, to: loner.mac, source: "t")
        #expect(try fetch(loner.mac).status == 409)
    }

    @Test("the cluster token is served only during the install: not before it starts, not once the member is ready or failed")
    func servedOnlyWhileInstalling() throws {
        let token = try fixture.inventory.cluster(named: "lab").token
        try install(first)
        // Its own, current token (the phone-home spent the first one): installed still gets it.
        #expect(try fetch(first).text.contains(token))
        _ = try fixture.inventory.apply(.hooksSucceeded, to: first, source: "t")
        let ready = try fetch(first)
        #expect(ready.status == 403)
        #expect(!ready.text.contains(token))
        #expect(try ready.errorMessage().contains("is ready: k3s-config is served only while it is booting, installing or installed"))
        #expect(try fixture.inventory.events(first).last?.event == "k3s-config-refused")

        _ = try fixture.inventory.apply(.installFailed, to: agent, source: "t")
        #expect(try fetch(agent).status == 403)
        let fresh = try fixture.inventory.register(try MACAddress("52:54:00:00:00:0a"), MachineSpec(hostname: "s3", profile: "k3s-server", role: "server",
                                                                                                    cluster: "lab"), source: "t")
        #expect(try fetch(fresh.mac).status == 403)
    }

    @Test("the token a phone-home spent no longer fetches the config")
    func spentToken() throws {
        let spent = try #require(try fixture.inventory.machine(first)).installToken
        try install(first)
        #expect(try fetch(first, token: spent).status == 403)
    }

    @Test("the join URL follows a new first server when the old one is retired")
    func firstServerReplaced() throws {
        try install(second)
        _ = try fixture.inventory.apply(.retire, to: first, source: "t")
        #expect(try fixture.inventory.cluster(named: "lab").firstServer == second)
        #expect(try parseYAML(try fetch(agent).text)["server"] == .string("https://10.0.0.12:6443"))
    }

    @Test("provisionctl render MAC k3s-config shows the same text without recording anything")
    func render() throws {
        let before = try fixture.inventory.events(first).count
        let response = try fixture.send("GET", "/api/v1/machines/\(first)/render/k3s-config")
        #expect(response.status == 200)
        #expect(response.text.contains("cluster-init: true"))
        #expect(try fixture.inventory.events(first).count == before)
        let waiting = try fixture.send("GET", "/api/v1/machines/\(agent)/render/k3s-config")
        #expect(waiting.status == 422)
    }

    /// YAML → JSON with python3's yaml (safe_load), keys sorted.
    private func parseYAML(_ text: String) throws -> JSONValue {
        let result = try runProgram("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))"],
                                    input: text)
        try #require(result.status == 0, "not YAML: \(text)")
        return try JSONParser.parse(Array(result.output.utf8))
    }
}
