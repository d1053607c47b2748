import Synchronization
import Inventory
import TestSupport
import Testing
import Wire

@testable import Server

/// What `/healthz` and the systemd watchdog judge by, without sockets: the report's verdict, the
/// schedule taken from systemd's environment, and a real database query behind it.
@Suite("Service health and the watchdog schedule")
struct ServiceHealthTests {
    @Test("healthy only when the database answered and every plane beat within maxAge")
    func verdict() {
        let fresh = HealthReport.Plane(name: "dhcp", age: 0.2)
        let old = HealthReport.Plane(name: "http", age: 11)
        #expect(HealthReport(database: .success(3), planes: [fresh], maxAge: 10).isHealthy)
        let stalled = HealthReport(database: .success(3), planes: [fresh, old], maxAge: 10)
        #expect(!stalled.isHealthy)
        #expect(stalled.stale == ["http"])
        let broken = HealthReport(database: .failure(.init(message: "disk I/O error")), planes: [fresh], maxAge: 10)
        #expect(!broken.isHealthy)
        #expect(JSONValue.object(broken.json) == .object([
            ("status", .string("unavailable")),
            ("database", .object([("status", .string("failed")), ("error", .string("disk I/O error"))])),
            ("planes", .object([("dhcp", .object([("status", .string("ok")), ("age_ms", .int(200))]))])),
        ]))
        #expect(JSONValue.object(stalled.json)["planes"]?["http"]?["status"] == .string("stale"))
    }

    @Test("WATCHDOG_USEC sets four checks per period and half of it as the age limit; a foreign WATCHDOG_PID or none means unsupervised")
    func schedule() {
        let supervised = WatchdogSchedule.from(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "42"], pid: 42)
        #expect(supervised == WatchdogSchedule(notifies: true, tick: 5, maxAge: 10))
        #expect(WatchdogSchedule.from(environment: ["WATCHDOG_USEC": "20000000"], pid: 42).notifies)
        #expect(WatchdogSchedule.from(environment: ["WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "7"], pid: 42) == .unsupervised)
        #expect(WatchdogSchedule.from(environment: ["WATCHDOG_USEC": "soon"], pid: 42) == .unsupervised)
        #expect(WatchdogSchedule.from(environment: [:], pid: 42) == .unsupervised)
        #expect(!WatchdogSchedule.unsupervised.notifies)
    }

    @Test("the report queries the database and reads every monitored heartbeat; probes make the probed planes beat")
    func report() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let inventory = try Inventory(path: directory.file("db.sqlite"))
        _ = try inventory.register(try MACAddress("52:54:00:00:00:01"), MachineSpec(hostname: "a", profile: "p"), source: "test")
        let health = ServiceHealth(inventory: inventory, maxAge: 10)
        let loop = Heartbeat(plane: "dhcp")
        let probed = Heartbeat(plane: "http")
        let probes = Mutex(0)
        health.monitor(loop)
        health.monitor(probed) { probes.withLock { $0 += 1 }; probed.beat() }
        health.probe()
        #expect(probes.withLock { $0 } == 1)
        let report = health.report()
        #expect(report.database == .success(1))
        #expect(report.planes.map(\.name) == ["dhcp", "http"])
        #expect(report.isHealthy)
        // With a zero age limit any heartbeat is already too old: the plane is stale.
        let strict = ServiceHealth(inventory: inventory, maxAge: 0)
        strict.monitor(loop)
        #expect(strict.report().stale == ["dhcp"])
    }
}
