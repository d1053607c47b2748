import Inventory
import Testing
import Wire
@testable import Server

@Suite("AdminAPI: /api/v1/clusters")
struct ClusterAPITests {
    @Test("create, list without the token, show with members, join URL and token, delete when empty")
    func lifecycle() throws {
        let fixture = try AdminFixture()
        let created = try fixture.send("POST", "/api/v1/clusters", body: #"{"name":"lab","kind":"k3s","version":"v1.31.4+k3s1","tlsSans":["k3s.lab"]}"#)
        #expect(created.status == 201)
        #expect(created.headers["Location"] == "/api/v1/clusters/lab")
        #expect(try created.json()["token"] == nil)
        try fixture.register("52:54:00:00:00:01", hostname: "s1", extra: #","cluster":"lab","role":"server","ip":"10.0.0.11""#)
        try fixture.register("52:54:00:00:00:02", hostname: "a1", extra: #","cluster":"lab","role":"agent""#)

        let list = try fixture.send("GET", "/api/v1/clusters").json()
        let summary = try #require(list["clusters"]?.arrayValue?.first)
        #expect(summary["members"] == .int(2))
        #expect(summary["token"] == nil)
        #expect(summary["firstServer"] == .string("52:54:00:00:00:01"))

        let shown = try fixture.send("GET", "/api/v1/clusters/lab").json()
        let token = try fixture.inventory.cluster(named: "lab").token
        #expect(shown["token"] == .string(token))
        #expect(shown["joinUrl"] == .string("https://10.0.0.11:6443"))
        #expect(shown["tlsSans"] == .array([.string("k3s.lab")]))
        let members = try #require(shown["members"]?.arrayValue)
        #expect(members.map { $0["hostname"] } == [.string("s1"), .string("a1")])
        #expect(members.map { $0["firstServer"] } == [.bool(true), .bool(false)])
        #expect(members.map { $0["ip"] } == [.string("10.0.0.11"), .null])

        #expect(try fixture.send("DELETE", "/api/v1/clusters/lab").status == 409)
        for mac in ["52:54:00:00:00:01", "52:54:00:00:00:02"] { #expect(try fixture.send("DELETE", "/api/v1/machines/\(mac)").status == 204) }
        #expect(try fixture.send("DELETE", "/api/v1/clusters/lab").status == 204)
        #expect(try fixture.send("GET", "/api/v1/clusters/lab").status == 404)
    }

    @Test("bad requests name what is wrong", arguments: [
        (#"{"name":"lab","kind":"swarm"}"#, "unknown cluster kind \"swarm\""),
        (#"{"kind":"k3s"}"#, "missing field \"name\""),
        (#"{"name":"lab","kind":"k3s","tlsSans":"x"}"#, "field \"tlsSans\" must be an array of strings"),
        (#"{"name":"lab","kind":"k3s","tlsSans":["a.lab",1]}"#, "field \"tlsSans\": item 2 must be a string, not"),
        (#"{"name":"Lab!","kind":"k3s"}"#, "invalid cluster name"),
        (#"{"name":"lab","kind":"k3s","token":"mine"}"#, "unknown field \"token\""),
    ])
    func badCreate(_ body: String, _ message: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/clusters", body: body)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains(message), "\(response.text)")
    }

    @Test("a member's role must fit the cluster's kind")
    func roles() throws {
        let fixture = try AdminFixture()
        #expect(try fixture.send("POST", "/api/v1/clusters", body: #"{"name":"kb","kind":"kubespray"}"#).status == 201)
        let bad = try fixture.send("POST", "/api/v1/machines",
                                   body: #"{"mac":"52:54:00:00:00:01","hostname":"a","profile":"p","cluster":"kb","role":"server"}"#)
        #expect(bad.status == 400)
        #expect(try bad.errorMessage().contains("cluster kb: unknown kubespray role \"server\""))
        let good = try fixture.register("52:54:00:00:00:01", hostname: "a", extra: #","cluster":"kb","role":"node,etcd,control-plane""#)
        #expect(good["role"] == .string("control-plane,node,etcd"))
    }

    @Test("methods a resource does not take are 405 with Allow")
    func methods() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("PUT", "/api/v1/clusters")
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, POST")
    }
}
