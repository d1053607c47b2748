import Foundation
import Power
import TestSupport
import Testing

/// The IPMI driver: Debian's ipmitool (lanplus, the password in a file) against pyghmi's BMC.
@Suite struct IPMIPowerTests {
    @Test func statusOnCycleOffPxeAndRefusals() throws {
        let directory = try TemporaryDirectory()
        let bmc = try IPMISimulator()
        let passwordFile = try directory.write("password", IPMISimulator.password + "\n")
        let driver = try IPMISimulator.driver(port: bmc.port, passwordFile: passwordFile)

        #expect(try driver.run(.status) == PowerOutcome(operation: .status, before: .off, steps: [], after: nil))
        // The simulator refuses `chassis power cycle` when off, as BMCs do: the plan sends `on`.
        #expect(try driver.run(.cycle) == PowerOutcome(operation: .cycle, before: .off, steps: [.on], after: .on))
        #expect(try driver.run(.cycle) == PowerOutcome(operation: .cycle, before: .on, steps: [.cycle], after: .on))
        #expect(try driver.run(.off) == PowerOutcome(operation: .off, before: .on, steps: [.off], after: .off))
        #expect(try driver.run(.on).steps == [.on])
        #expect(try driver.run(.pxe) == PowerOutcome(operation: .pxe, before: .on, steps: [.bootFromNetworkOnce, .cycle], after: .on))
        #expect(bmc.changes == ["power on", "power cycle", "power off", "power on", "bootdev net efi=1 persistent=0", "power cycle"])

        // What the BMC says when asked something it refuses reaches the operator.
        #expect(throws: PowerError.bmc(status: nil, message: "Set Chassis Power Control to Cycle failed: Command not supported in present state")) {
            _ = try driver.run(.off)
            try driver.perform(.cycle)
        }

        let wrong = try IPMISimulator.driver(port: bmc.port, passwordFile: try directory.write("wrong", "not-it\n"))
        #expect {
            try wrong.state()
        } throws: { error in
            guard case PowerError.bmc(nil, let message) = error else { return false }
            return message.hasPrefix("login refused (wrong user or password)") && !message.contains("not-it")
        }
    }

    /// Nobody answers on the port: ipmitool gives up after its retries (about 10 s) with a
    /// clear error.
    @Test func unreachableBMC() throws {
        let directory = try TemporaryDirectory()
        let closed = try IPMISimulator()
        let port = closed.port
        closed.stop()
        let driver = try IPMISimulator.driver(port: port, passwordFile: try directory.write("password", IPMISimulator.password))
        let started = Date()
        #expect {
            try driver.state()
        } throws: { error in
            guard case PowerError.unreachable(let message) = error else { return false }
            return message.contains("no answer from the BMC")
        }
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
