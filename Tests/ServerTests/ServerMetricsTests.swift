import Inventory
import Net
import Testing
import Wire

@testable import Server

@Suite("Metrics: route classes, install timing, outcomes and the /metrics routes")
struct ServerMetricsTests {
    @Test("route classes keep MACs, file names and unknown paths out of labels")
    func routeClasses() {
        let table: [(String, String)] = [
            ("/boot.ipxe", "boot-script"), ("/boot/52-54-00-12-34-56.ipxe", "boot-script"), ("/assets/debian/vmlinuz", "assets"),
            ("/ipxe/ipxe.efi", "ipxe"), ("/cloud-init/52:54:00:12:34:56/user-data", "cloud-init"), ("/healthz", "healthz"),
            ("/metrics", "metrics"), ("/", "dashboard"), ("/api/v1/machines/52:54:00:12:34:56/events", "api-machines"),
            ("/api/v1/proxmox/vms", "api-proxmox"), ("/api/v1/doctor", "api-doctor"), ("/api/v1/secret-scan", "other"),
            ("/api/v2/machines", "other"), ("/../etc/passwd", "other"), ("", "other"),
        ]
        for (path, route) in table { #expect(HTTPRouteClass.of(path) == route, "\(path)") }
    }

    private static func change(_ from: MachineState?, _ to: MachineState, kind: InventoryChange.Kind = .transitioned,
                               mac: String = "52:54:00:12:34:56") -> InventoryChange {
        func machine(_ state: MachineState) -> Machine {
            Machine(mac: try! MACAddress(mac), hostname: "n", profile: "p", role: nil, cluster: nil, ip: nil, state: state, instanceID: "i",
                    installToken: "t", labels: [:], nics: [], createdAt: "", updatedAt: "")
        }
        return InventoryChange(kind: kind, event: "e", machine: machine(to), previous: from.map(machine), source: "test", detail: "")
    }

    @Test("an install is timed from boot-install, or a cloud image's first user-data fetch, to phone-home")
    func installClock() {
        let clock = InstallClock()
        #expect(clock.duration(after: Self.change(.registered, .booting)) == nil)
        #expect(clock.duration(after: Self.change(.booting, .installing)) == nil)
        #expect((clock.duration(after: Self.change(.installing, .installed)) ?? -1) >= 0)
        // Timed once: a second phone-home of the same install has no start.
        #expect(clock.duration(after: Self.change(.installing, .installed)) == nil)
        // A cloud image skips booting.
        #expect(clock.duration(after: Self.change(.registered, .installing)) == nil)
        #expect(clock.duration(after: Self.change(.installing, .installed)) != nil)
        // A failed install is forgotten; its reimage starts again.
        _ = clock.duration(after: Self.change(.registered, .booting))
        #expect(clock.duration(after: Self.change(.booting, .failed)) == nil)
        #expect(clock.duration(after: Self.change(.installing, .installed)) == nil)
        // Updates and other machines do not disturb a running install.
        _ = clock.duration(after: Self.change(.registered, .booting))
        #expect(clock.duration(after: Self.change(.booting, .booting, kind: .updated)) == nil)
        #expect(clock.duration(after: Self.change(.installing, .installed, mac: "52:54:00:00:00:02")) == nil)
        #expect(clock.duration(after: Self.change(.installing, .installed)) != nil)
    }

    @Test("hook and playbook outcomes")
    func outcomes() {
        #expect(ServerMetrics.outcome(ProcessOutcome(termination: .exited(0), tail: [])) == "ok")
        #expect(ServerMetrics.outcome(ProcessOutcome(termination: .exited(2), tail: [])) == "failed")
        #expect(ServerMetrics.outcome(ProcessOutcome(termination: .signaled(9), tail: [])) == "failed")
        #expect(ServerMetrics.outcome(ProcessOutcome(termination: .timedOut(seconds: 5), tail: [])) == "timeout")
        #expect(ServerMetrics.outcome(nil) == "failed")
    }

    @Test("/metrics on the admin API needs the token; the metrics listener serves only /metrics")
    func routes() throws {
        let fixture = try AdminFixture()
        #expect(try fixture.send("GET", "/metrics", authorization: nil).status == 401)
        let scrape = try fixture.send("GET", "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: scrape.body, as: UTF8.self).contains("# TYPE provisiond_dhcp_requests_total counter\n"))
        #expect(try fixture.send("POST", "/metrics").status == 405)
        let context = RequestContext(peer: try SocketAddress("127.0.0.1:1"), local: try SocketAddress("127.0.0.1:9101"))
        #expect(MetricsEndpoint.handle(try HTTPRequest(method: "GET", target: "/metrics", headers: [:], body: []), context).status == 200)
        #expect(MetricsEndpoint.handle(try HTTPRequest(method: "GET", target: "/api/v1/machines", headers: [:], body: []), context).status == 404)
    }
}

@Suite("AdminAPI: /api/v1/doctor")
struct DoctorRouteTests {
    /// With a wait of 0 no DHCP probe leaves the host; the rest runs over the fixture's files.
    @Test("answers every check; a bad wait is 400, other methods 405")
    func doctorRoute() throws {
        let fixture = try AdminFixture()
        var api = fixture.api
        let dir = fixture.directory.path
        api.doctor = ServerDoctor(facts: .init(dataDir: dir, databasePath: dir + "/provision.db", adminTokenPath: dir + "/admin.token",
                                               assetsDir: dir + "/assets", ipxeDir: dir + "/ipxe", dhcpMode: "proxy", interface: nil,
                                               tftpListen: nil),
                                  inventory: fixture.inventory, profiles: ProfileCatalog(profiles: []))
        let context = RequestContext(peer: try SocketAddress("127.0.0.1:1"), local: try SocketAddress("127.0.0.1:8081"))
        func get(_ target: String, method: String = "GET") throws -> HTTPResponse {
            var headers: HTTPHeaders = [:]
            headers.add("Authorization", "Bearer \(AdminFixture.secret)")
            return api.handle(try HTTPRequest(method: method, target: target, headers: headers, body: []), context)
        }
        let answer = try get("/api/v1/doctor?dhcpWait=0")
        #expect(answer.status == 200)
        let checks = try #require(try answer.json()["checks"]?.arrayValue)
        let statuses = Dictionary(uniqueKeysWithValues: checks.map { ($0["name"]?.stringValue ?? "", $0["status"]?.stringValue ?? "") })
        #expect(statuses == ["ports": "warn", "dhcp-other-servers": "warn", "ipxe-binaries": "fail", "server-url": "fail",
                             "database": "ok", "disk": statuses["disk"] ?? "missing", "admin-token": "fail", "clock": "ok"])
        #expect(try get("/api/v1/doctor?dhcpWait=forever").status == 400)
        #expect(try get("/api/v1/doctor?dhcpWait=31").status == 400)
        #expect(try get("/api/v1/doctor", method: "POST").status == 405)
    }
}
