import Testing
import Wire

@testable import ProvisionCLI

@Suite("MachineRequest.spec")
struct MachineRequestTests {
    private static let valued: Set<String> = ["--hostname", "--profile", "--role", "--cluster", "--ip", "--label", "--nic"]

    private func spec(_ words: [String], requireIdentity: Bool) throws -> JSONValue {
        .object(try MachineRequest.spec(Arguments(words, valued: Self.valued, switches: []), requireIdentity: requireIdentity))
    }

    @Test("every option becomes its member, in order; NICs canonical, labels split at the first '='")
    func fullRegister() throws {
        let body = try spec([
            "--hostname", "h1", "--profile", "debian", "--role", "worker", "--cluster", "k3s", "--ip", "10.0.0.5",
            "--label", "zone=b", "--label", "note=x=y", "--nic", "AA-BB-CC-DD-EE-02", "--nic", "aabb.ccdd.ee03",
        ], requireIdentity: true)
        #expect(body == .object([
            ("hostname", .string("h1")), ("profile", .string("debian")), ("role", .string("worker")), ("cluster", .string("k3s")),
            ("ip", .string("10.0.0.5")), ("labels", .object([("zone", .string("b")), ("note", .string("x=y"))])),
            ("nics", .array([.string("aa:bb:cc:dd:ee:02"), .string("aa:bb:cc:dd:ee:03")])),
        ]))
    }

    @Test("register needs only hostname and profile")
    func minimalRegister() throws {
        #expect(try spec(["--hostname", "h", "--profile", "p"], requireIdentity: true)
            == .object([("hostname", .string("h")), ("profile", .string("p"))]))
    }

    @Test("register without hostname or profile is a usage error", arguments: [["--profile", "p"], ["--hostname", "h"]])
    func registerMissing(_ words: [String]) {
        let error = #expect(throws: CLIError.self) { try spec(words, requireIdentity: true) }
        #expect(error?.isUsage == true)
    }

    @Test("update sends only what was given")
    func updatePartial() throws {
        #expect(try spec(["--profile", "ubuntu"], requireIdentity: false) == .object([("profile", .string("ubuntu"))]))
        #expect(try spec([], requireIdentity: false) == .object([]))
    }

    @Test("on update an empty --role, --cluster or --ip is null (clear the field)")
    func updateClears() throws {
        #expect(try spec(["--role", "", "--cluster=", "--ip", ""], requireIdentity: false)
            == .object([("role", .null), ("cluster", .null), ("ip", .null)]))
    }

    @Test("on register an empty --role stays an empty string for the server to judge")
    func registerEmptyRole() throws {
        #expect(try spec(["--hostname", "h", "--profile", "p", "--role", ""], requireIdentity: true)["role"] == .string(""))
    }

    @Test("a bad --nic is an error naming it")
    func badNIC() {
        let error = #expect(throws: CLIError.self) { try spec(["--nic", "nope"], requireIdentity: false) }
        #expect(error?.description.contains("\"nope\"") == true)
    }

    @Test("a label without '=' or with an empty key is a usage error", arguments: ["bad", "=v"])
    func badLabel(_ label: String) {
        let error = #expect(throws: CLIError.self) { try spec(["--label", label], requireIdentity: false) }
        #expect(error?.isUsage == true)
        #expect(error?.description.contains("KEY=VALUE") == true)
    }

    @Test("a label with an empty value is allowed")
    func emptyLabelValue() throws {
        #expect(try spec(["--label", "k="], requireIdentity: false) == .object([("labels", .object([("k", .string(""))]))]))
    }
}
