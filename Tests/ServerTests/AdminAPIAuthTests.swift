import Net
import Testing
import Wire

@testable import Server

@Suite("AdminAPI: bearer token and health")
struct AdminAPIAuthTests {
    @Test("/healthz answers 200 without a token")
    func healthWithoutToken() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/healthz", authorization: nil)
        #expect(response.status == 200)
        #expect(try response.json()["status"] == .string("ok"))
    }

    @Test("/healthz reports the hook and kubespray work still pending")
    func healthReportsPendingWork() throws {
        let fixture = try AdminFixture()
        var api = fixture.api
        let (hooks, kubespray) = (PendingWork(), PendingWork())
        api.background = BackgroundWork(hooks: hooks, kubespray: kubespray)
        hooks.begin()
        kubespray.begin()
        kubespray.begin()
        let request = try HTTPRequest(method: "GET", target: "/healthz", headers: [:], body: [])
        let context = RequestContext(peer: try SocketAddress("127.0.0.1:1234"), local: try SocketAddress("127.0.0.1:8081"))
        #expect(try api.handle(request, context).json()["pending"] == .object([("hooks", .int(1)), ("kubespray", .int(2))]))
        hooks.end()
        kubespray.end()
        kubespray.end()
        #expect(try api.handle(request, context).json()["pending"] == .object([("hooks", .int(0)), ("kubespray", .int(0))]))
    }

    @Test("the machine list without a token is 401 with WWW-Authenticate")
    func missingToken() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines", authorization: nil)
        #expect(response.status == 401)
        let challenge = try #require(response.headers["WWW-Authenticate"])
        #expect(challenge.hasPrefix("Bearer"))
        #expect(!(try response.errorMessage()).isEmpty)
    }

    @Test("a wrong token is 401", arguments: [
        "Bearer wrong-secret-0123456789abcd",
        "Bearer \(AdminFixture.secret)x",
        "Bearer " + String(AdminFixture.secret.dropLast()),
        "Basic \(AdminFixture.secret)",
        AdminFixture.secret,
        "Bearer",
    ])
    func wrongToken(_ authorization: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines", authorization: authorization)
        #expect(response.status == 401)
        #expect(response.headers["WWW-Authenticate"] != nil)
    }

    @Test("the Bearer scheme is matched case-insensitively", arguments: ["Bearer", "bearer", "BEARER", "bEaReR"])
    func schemeCaseInsensitive(_ scheme: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines", authorization: "\(scheme) \(AdminFixture.secret)")
        #expect(response.status == 200)
    }

    @Test("the token check comes before routing: unknown API paths without a token are 401")
    func authBeforeRouting() throws {
        let fixture = try AdminFixture()
        #expect(try fixture.send("GET", "/api/v1/nothing-here", authorization: nil).status == 401)
        #expect(try fixture.send("GET", "/api/v1/nothing-here").status == 404)
    }
}
