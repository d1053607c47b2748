import Testing
import Wire

@testable import Server

@Suite("AdminAPI: routing, 404, 405 and the access log's subject MAC")
struct AdminAPIRoutingTests {
    @Test("a method a resource does not take is 405 with Allow", arguments: [
        ("PUT", "/api/v1/machines", "GET, POST"),
        ("DELETE", "/api/v1/machines", "GET, POST"),
        ("POST", "/api/v1/machines/aa:bb:cc:dd:ee:50", "GET, PATCH, DELETE"),
        ("DELETE", "/api/v1/machines/aa:bb:cc:dd:ee:50/events", "GET"),
        ("GET", "/api/v1/machines/aa:bb:cc:dd:ee:50/adopt", "POST"),
        ("GET", "/api/v1/machines/aa:bb:cc:dd:ee:50/reimage", "POST"),
        ("PUT", "/api/v1/machines/aa:bb:cc:dd:ee:50/retire", "POST"),
        ("POST", "/healthz", "GET, HEAD"),
    ])
    func methodNotAllowed(_ method: String, _ target: String, _ allow: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send(method, target)
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == allow)
    }

    @Test("an unknown path is 404", arguments: [
        "/nothing", "/api/v2/machines", "/api/v1", "/api/v1/leases/x", "/api/v1/machines/aa:bb:cc:dd:ee:51/bogus",
        "/api/v1/machines/aa:bb:cc:dd:ee:51/events/extra",
    ])
    func unknownPath(_ target: String) throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:51", hostname: "here")
        let response = try fixture.send("GET", target)
        #expect(response.status == 404)
        #expect(try !response.errorMessage().isEmpty)
    }

    @Test("machine routes carry the canonical MAC for the access log, also on errors", arguments: [
        ("GET", "/api/v1/machines/AA-BB-CC-DD-EE-52", 200),
        ("GET", "/api/v1/machines/aabb.ccdd.ee99", 404),
        ("POST", "/api/v1/machines/AABBCCDDEE52/adopt", 409),
        ("GET", "/api/v1/machines/AA-BB-CC-DD-EE-52/events", 200),
        ("PUT", "/api/v1/machines/AA-BB-CC-DD-EE-52", 405),
    ])
    func subjectMAC(_ method: String, _ target: String, _ status: Int) throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:52", hostname: "logged")
        let response = try fixture.send(method, target, body: method == "POST" ? #"{"hostname":"x","profile":"p"}"# : nil)
        #expect(response.status == status)
        let expected = target.contains("ee99") ? "aa:bb:cc:dd:ee:99" : "aa:bb:cc:dd:ee:52"
        #expect(response.subjectMAC == expected)
    }

    @Test("a refused registration is logged with the MAC it tried", arguments: [
        (#"{"mac":"AA-BB-CC-DD-EE-52","hostname":"again","profile":"p"}"#, 409),
        (#"{"mac":"aabbccddee53","hostname":"-bad","profile":"p"}"#, 400),
    ])
    func subjectMACOfRefusedRegistration(_ body: String, _ status: Int) throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:52", hostname: "logged")
        let response = try fixture.send("POST", "/api/v1/machines", body: body)
        #expect(response.status == status)
        #expect(response.subjectMAC == (status == 409 ? "aa:bb:cc:dd:ee:52" : "aa:bb:cc:dd:ee:53"))
    }

    @Test("non-machine answers carry no subject MAC")
    func noSubjectMAC() throws {
        let fixture = try AdminFixture()
        #expect(try fixture.send("GET", "/api/v1/machines").subjectMAC == nil)
        #expect(try fixture.send("GET", "/healthz").subjectMAC == nil)
    }
}
