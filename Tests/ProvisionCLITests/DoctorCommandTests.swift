import Testing
import Wire

@testable import ProvisionCLI

@Suite("provisionctl doctor")
struct DoctorCommandTests {
    @Test("one line per check, names aligned, the fix after what was seen")
    func lines() {
        let checks: [JSONValue] = [
            .object([("name", .string("ports")), ("status", .string("ok")), ("message", .string("bound: http 0.0.0.0:8080"))]),
            .object([("name", .string("admin-token")), ("status", .string("fail")), ("message", .string("mode 0644")),
                     ("fix", .string("chmod 600 admin.token"))]),
        ]
        #expect(DoctorCommand.lines(checks) == """
            ok    ports        bound: http 0.0.0.0:8080
            fail  admin-token  mode 0644 — fix: chmod 600 admin.token

            """)
    }

    @Test("a --dhcp-wait that is not 0 to 30 seconds is a usage error before any request", arguments: ["-1", "31", "soon"])
    func badWait(_ wait: String) {
        let output = cli().run(["doctor", "--dhcp-wait", wait, "--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stderr.contains("--dhcp-wait \(wait) must be seconds from 0 to 30"))
    }
}
