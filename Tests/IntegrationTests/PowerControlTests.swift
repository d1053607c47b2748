import Foundation
import TestSupport
import Testing
import Wire

/// Power control through the admin plane, end to end: `provisionctl power ...` against the real
/// provisiond, which drives sushy-emulator (Redfish, HTTPS with the test CA) and pyghmi's BMC
/// (through Debian's ipmitool): settings without secrets in answers or logs, operations as
/// events and metrics, bulk by label, reimage --power-cycle, and the poller.
@Suite(.timeLimit(.minutes(5))) struct PowerControlTests {
    static let redfishMAC = "52:54:00:00:16:01"
    static let ipmiMAC = "52:54:00:00:16:02"
    static let bareMAC = "52:54:00:00:16:03"

    @Test func settingsOperationsEventsMetricsAndBulk() throws {
        let dir = try TemporaryDirectory()
        let redfish = try SushyEmulator(directory: dir.path + "/sushy")
        let ipmi = try IPMISimulator()
        let server = try ServerProcess(dataDir: dir.path + "/data")
        defer { server.stop() }
        try ok(server, ["cluster", "create", "c1", "--kind", "k3s"])
        for (mac, name) in [(Self.redfishMAC, "rf"), (Self.ipmiMAC, "ipmi"), (Self.bareMAC, "bare")] {
            let member = mac == Self.ipmiMAC ? ["--cluster", "c1", "--role", "server"] : []
            try ok(server, ["register", mac, "--hostname", name, "--profile", "any", "--label", "rack=r1"] + member)
        }
        let redfishPassword = try dir.write("redfish.password", SushyEmulator.password + "\n")
        let ipmiPassword = try dir.write("ipmi.password", IPMISimulator.password + "\n")

        // Settings: stored, answered without the password.
        let set = try ok(server, ["power", "set", Self.redfishMAC, "--redfish", redfish.url, "--user", SushyEmulator.user,
                                  "--password-file", redfishPassword, "--ca-file", redfish.pki.caFile])
        #expect(set.stdout.contains("redfish \(redfish.url) (user admin, password set, ca-file trust)"), "\(set.stdout)")
        try ok(server, ["power", "set", Self.ipmiMAC, "--ipmi", "127.0.0.1", "--port", String(ipmi.port), "--user", IPMISimulator.user,
                        "--password-file", ipmiPassword])
        let shown = try JSONParser.parse(try ok(server, ["power", "show", Self.redfishMAC, "--json"]).stdout)
        #expect(shown["has_password"] == .bool(true) && shown["trust"] == .string("ca-file") && shown["driver"] == .string("redfish"))
        let (_, raw) = try server.curl("GET", "/api/v1/machines/\(Self.ipmiMAC)/power")
        #expect(!raw.contains(IPMISimulator.password) && raw.contains("\"has_password\":true"), "\(raw)")
        // A setting the driver does not use, and a bad URL, are refused before anything is stored.
        let refused = try server.ctl(["power", "set", Self.bareMAC, "--redfish", "http://bmc", "--user", "u", "--password-file", redfishPassword])
        #expect(refused.status == 1 && refused.stderr.contains("bad Redfish URL"), "\(refused.stderr)")
        #expect(try server.ctl(["power", "show", Self.bareMAC]).stderr.contains("has no power settings"))

        // Operations: what the BMC said, as text and JSON.
        #expect(try ok(server, ["power", "status", Self.redfishMAC]).stdout == "\(Self.redfishMAC): off\n")
        let on = try JSONParser.parse(try ok(server, ["power", "on", Self.redfishMAC, "--json"]).stdout)
        #expect(on["ok"] == .bool(true) && on["before"] == .string("off") && on["steps"] == .array([.string("on")]), "\(on)")
        let pxe = try ok(server, ["power", "pxe", Self.ipmiMAC])
        #expect(pxe.stdout == "\(Self.ipmiMAC): pxe: off → pxe-once → on → on\n", "\(pxe.stdout)")
        #expect(ipmi.changes == ["bootdev net efi=1 persistent=0", "power on"])
        // The IPMI password went through a file that is gone once ipmitool ended.
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: server.dataDir + "/power")) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("ipmi-") }, "\(leftovers)")

        // reimage --power-cycle of a machine without power settings changes nothing.
        let noPower = try server.ctl(["reimage", Self.bareMAC, "--power-cycle"])
        #expect(noPower.status == 1 && noPower.stderr.contains("has no power settings"), "\(noPower.stderr)")
        #expect(try server.ctl(["events", Self.bareMAC, "--json"]).stdout.contains("\"reimage\"") == false)

        // Bulk by label: every machine of rack r1, with a summary; the one without settings fails.
        let bulk = try server.ctl(["power", "status", "--label", "rack=r1"])
        #expect(bulk.status == 1 && bulk.stdout.contains("2 ok, 1 failed") && bulk.stderr.contains("1 of 3 machines failed"),
                "\(bulk.stdout)\(bulk.stderr)")
        #expect(bulk.stdout.split(separator: "\n").contains { $0.contains(Self.bareMAC) && $0.contains("has no power settings") }, "\(bulk.stdout)")
        // By cluster: its one member.
        let cluster = try JSONParser.parse(try ok(server, ["power", "status", "--cluster", "c1", "--json"]).stdout)
        #expect(cluster["ok"] == .int(1) && cluster["results"]?.arrayValue?.first?["mac"] == .string(Self.ipmiMAC), "\(cluster)")

        // A wrong password: the BMC's refusal, as an event on the machine.
        try ok(server, ["power", "set", Self.redfishMAC, "--redfish", redfish.url, "--user", SushyEmulator.user,
                        "--password-file", try dir.write("wrong", "not-the-password\n"), "--ca-file", redfish.pki.caFile])
        let denied = try server.ctl(["power", "off", Self.redfishMAC])
        #expect(denied.status == 1 && denied.stderr.contains("the BMC answered 401"), "\(denied.stderr)")

        let events = try JSONParser.parse(try ok(server, ["events", Self.redfishMAC, "--json"]).stdout).arrayValue ?? []
        let power = events.filter { $0["event"]?.stringValue?.hasPrefix("power-") == true }
        #expect(power.map { $0["event"]?.stringValue ?? "" } == ["power-on", "power-off"], "a status that worked is no event: \(power)")
        #expect(power.first?["detail"]?.stringValue?.hasPrefix("ok: on: off → on") == true, "\(power)")
        #expect(power.last?["detail"]?.stringValue?.hasPrefix("failed: the BMC answered 401") == true, "\(power)")

        let metrics = try server.curl("GET", "/metrics").1
        for series in ["provisiond_power_operations_total{driver=\"redfish\",operation=\"on\",outcome=\"ok\"} 1",
                       "provisiond_power_operations_total{driver=\"redfish\",operation=\"off\",outcome=\"failed\"} 1",
                       "provisiond_power_operations_total{driver=\"ipmi\",operation=\"pxe\",outcome=\"ok\"} 1",
                       "provisiond_power_operations_total{driver=\"ipmi\",operation=\"status\",outcome=\"ok\"} 2"] {
            #expect(metrics.contains(series), "\(series) in \(metrics.split(separator: "\n").filter { $0.contains("power") })")
        }

        try ok(server, ["power", "unset", Self.ipmiMAC])
        #expect(try server.ctl(["power", "status", Self.ipmiMAC]).stderr.contains("has no power settings"))
        server.stop()
        for secret in [SushyEmulator.password, IPMISimulator.password, "not-the-password"] {
            #expect(!server.log.contains(secret), "a password reached the log")
        }
    }

    /// A change made at the BMC behind provisiond's back becomes a `power-changed` event; the
    /// changes of provisiond's own operations do not.
    @Test func pollerRecordsChangesProvisiondDidNotMake() throws {
        let dir = try TemporaryDirectory()
        let redfish = try SushyEmulator(directory: dir.path + "/sushy")
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--power-poll-interval", "0.5"])
        defer { server.stop() }
        try ok(server, ["register", Self.redfishMAC, "--hostname", "rf", "--profile", "any"])
        try ok(server, ["power", "set", Self.redfishMAC, "--redfish", redfish.url, "--user", SushyEmulator.user,
                        "--password-file", try dir.write("password", SushyEmulator.password), "--ca-file", redfish.pki.caFile])
        // provisiond's own: on, a change the poller logs and does not record.
        try ok(server, ["power", "on", Self.redfishMAC])
        try poll("the poller to see the machine on", seconds: 60, every: 0.2) {
            server.log.contains("power-watched mac=\(Self.redfishMAC) driver=redfish state=on")
                || server.log.contains("power-changed mac=\(Self.redfishMAC) from=off to=on by=provisiond")
        }
        // Someone at the BMC: off.
        try redfish.reset("ForceOff")
        var events: [JSONValue] = []
        try poll("a power-changed event", seconds: 60, every: 0.2) {
            events = try JSONParser.parse(try ok(server, ["events", Self.redfishMAC, "--json"]).stdout).arrayValue ?? []
            return events.contains { $0["event"] == .string("power-changed") }
        }
        let changes = events.filter { $0["event"] == .string("power-changed") }
        #expect(changes.count == 1 && changes.first?["detail"]?.stringValue?.hasPrefix("on → off") == true, "\(events)")
        #expect(changes.first?["source"] == .string("poller"))
    }

    @discardableResult
    private func ok(_ server: ServerProcess, _ arguments: [String]) throws -> ProcessResult {
        let result = try server.ctl(arguments)
        guard result.status == 0 else { throw TestFailure("provisionctl \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        return result
    }
}
