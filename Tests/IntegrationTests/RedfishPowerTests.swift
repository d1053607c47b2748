import Foundation
import Power
import Proxmox
import TestSupport
import Testing

/// The Redfish driver against sushy-tools' emulator (a BMC nobody here wrote) over HTTPS with the
/// test CA and basic authentication.
@Suite struct RedfishPowerTests {
    func client(_ emulator: SushyEmulator, url: String? = nil, password: String = SushyEmulator.password,
                trust: ProxmoxEndpoint.Trust? = nil) throws -> RedfishClient {
        try RedfishClient.connect(try RedfishEndpoint(url: url ?? emulator.url, user: SushyEmulator.user, password: password,
                                                      trust: trust ?? .caFile(emulator.pki.caFile)), timeout: 20)
    }

    @Test func statusOnCycleOffAndPxeOnce() throws {
        let directory = try TemporaryDirectory()
        let emulator = try SushyEmulator(directory: directory.path)
        let bmc = try client(emulator)

        #expect(try bmc.run(.status) == PowerOutcome(operation: .status, before: .off, steps: [], after: nil))

        #expect(try bmc.run(.on).steps == [.on])
        try poll("the emulated system to be on", every: 0.2) { try bmc.state() == .on }
        #expect(try bmc.run(.on).steps == [], "on of a running machine sends nothing")

        #expect(try bmc.run(.cycle).steps == [.cycle])
        #expect(emulator.log.contains("POST /redfish/v1/Systems/\(SushyEmulator.systemID)/Actions/ComputerSystem.Reset"))
        try poll("the emulated system to be on after the cycle", every: 0.2) { try bmc.state() == .on }

        #expect(try bmc.run(.off).steps == [.off])
        try poll("the emulated system to be off", every: 0.2) { try bmc.state() == .off }
        #expect(try bmc.run(.cycle).steps == [.on], "a cycle of a machine that is off powers it on")
        try poll("the emulated system to be on", every: 0.2) { try bmc.state() == .on }
        #expect(try bmc.run(.off).steps == [.off])
        try poll("the emulated system to be off again", every: 0.2) { try bmc.state() == .off }

        #expect(try emulator.bootOverrideTarget() != "Pxe")
        #expect(try bmc.run(.pxe).steps == [.bootFromNetworkOnce, .on])
        #expect(try emulator.bootOverrideTarget() == "Pxe")
        try poll("the emulated system to be on after pxe", every: 0.2) { try bmc.state() == .on }

        // The system named in the URL works as well as the only one found.
        let named = try client(emulator, url: emulator.systemURL)
        #expect(try named.state() == .on)
    }

    @Test func refusalsSayWhy() throws {
        let directory = try TemporaryDirectory()
        let emulator = try SushyEmulator(directory: directory.path)

        #expect {
            try client(emulator, password: "wrong").state()
        } throws: { error in
            guard case PowerError.bmc(status: 401, let message) = error else { return false }
            return !message.isEmpty && !message.contains("wrong")
        }

        // The system CA bundle does not know the test CA: refused, with what to set.
        #expect {
            try client(emulator, trust: .system).state()
        } throws: { error in
            guard case PowerError.untrusted(let message) = error else { return false }
            return message.contains("--ca-file") && message.contains("--fingerprint")
        }

        // Pinning the emulator's certificate works; another fingerprint is refused before any
        // credentials are sent.
        let pinned = directory.path + "/pinned.pem"
        let fingerprint = try CertificateFingerprint(try emulator.pki.serverFingerprint())
        #expect(try client(emulator, trust: .fingerprint(fingerprint, pinnedFile: pinned)).state() == .off)
        let other = try CertificateFingerprint(String(repeating: "AB:", count: 31) + "AB")
        #expect(throws: PowerError.self) { try client(emulator, trust: .fingerprint(other, pinnedFile: pinned)) }

        // Nobody listens there: a clear error at once (connection refused), well inside the
        // request timeout.
        let closed = "https://127.0.0.1:\(try FakePVE.freePort())"
        let started = Date()
        #expect {
            try client(emulator, url: closed).state()
        } throws: { error in
            guard case PowerError.unreachable(let message) = error else { return false }
            return message.contains("127.0.0.1")
        }
        #expect(Date().timeIntervalSince(started) < 20)
    }
}
