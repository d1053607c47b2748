import Testing

@testable import Server

@Suite("GET /api/v1/clusters/{name}/inventory")
struct ClusterInventoryAPITests {
    @Test("ini by default, yaml on request; bad format 400, unknown or k3s cluster 404, invalid 422, other methods 405")
    func answers() throws {
        let fixture = try AdminFixture()
        #expect(try fixture.send("POST", "/api/v1/clusters", body: #"{"name":"kb","kind":"kubespray"}"#).status == 201)
        #expect(try fixture.send("POST", "/api/v1/clusters", body: #"{"name":"k3","kind":"k3s"}"#).status == 201)
        let empty = try fixture.send("GET", "/api/v1/clusters/kb/inventory")
        #expect(empty.status == 422)
        #expect(try empty.errorMessage().hasPrefix("Stop if kube_control_plane group is empty"))
        try fixture.register("52:54:00:00:c0:01", hostname: "solo", extra: #","cluster":"kb","role":"etcd,control-plane","ip":"10.0.0.1""#)

        let ini = try fixture.send("GET", "/api/v1/clusters/kb/inventory")
        #expect(ini.status == 200 && ini.headers["Content-Type"] == "text/plain; charset=utf-8")
        #expect(ini.text.contains("[all]\nsolo ansible_host=10.0.0.1 ip=10.0.0.1 access_ip=10.0.0.1\n"))
        #expect(try fixture.send("GET", "/api/v1/clusters/kb/inventory?format=ini").text == ini.text)
        #expect(try fixture.send("GET", "/api/v1/clusters/kb/inventory?format=yaml").text.contains("all:\n  hosts:\n    \"solo\":\n"))

        let badFormat = try fixture.send("GET", "/api/v1/clusters/kb/inventory?format=json")
        #expect(badFormat.status == 400)
        #expect(try badFormat.errorMessage() == "unknown inventory format \"json\" (ini, yaml)")
        #expect(try fixture.send("GET", "/api/v1/clusters/nope/inventory").status == 404)
        let k3s = try fixture.send("GET", "/api/v1/clusters/k3/inventory")
        #expect(k3s.status == 404)
        #expect(try k3s.errorMessage().contains("not a kubespray cluster"))
        #expect(try fixture.send("POST", "/api/v1/clusters/kb/inventory").status == 405)
    }
}
