import Power
import Testing

@Suite struct IPMIToolCommandTests {
    let command = try! IPMIToolCommand(host: "10.0.0.5", port: 6230, user: "admin", passwordFile: "/run/pw", cipherSuite: 17)

    @Test func statusUsesLanplusAndAPasswordFile() {
        #expect(command.status == ["-v", "-I", "lanplus", "-H", "10.0.0.5", "-p", "6230", "-U", "admin", "-f", "/run/pw",
                                   "-R", "2", "-N", "2", "-C", "17", "chassis", "power", "status"])
        #expect(!command.status.contains("-P") && !command.status.contains("-E"))
    }

    @Test func steps() throws {
        #expect(command.arguments(for: .cycle).suffix(3) == ["chassis", "power", "cycle"])
        #expect(command.arguments(for: .off).suffix(3) == ["chassis", "power", "off"])
        #expect(command.arguments(for: .bootFromNetworkOnce).suffix(4) == ["chassis", "bootdev", "pxe", "options=efiboot"])
        let legacy = try IPMIToolCommand(host: "bmc", user: "u", passwordFile: "/p", uefi: false)
        #expect(legacy.arguments(for: .bootFromNetworkOnce).suffix(3) == ["chassis", "bootdev", "pxe"])
        #expect(!legacy.status.contains("-C"))
    }

    @Test func refusesBadSettings() {
        #expect(throws: PowerError.self) { try IPMIToolCommand(host: "-oProxyCommand", user: "u", passwordFile: "/p") }
        #expect(throws: PowerError.self) { try IPMIToolCommand(host: "bmc", port: 0, user: "u", passwordFile: "/p") }
        #expect(throws: PowerError.self) { try IPMIToolCommand(host: "bmc", user: "seventeen-bytes-x", passwordFile: "/p") }
        #expect(throws: PowerError.self) { try IPMIToolCommand(host: "bmc", user: "u", passwordFile: "/p", cipherSuite: 18) }
    }

    @Test func parsesStatus() throws {
        #expect(try IPMIToolCommand.parseStatus("Chassis Power is on\n") == .on)
        #expect(try IPMIToolCommand.parseStatus("Chassis Power is off") == .off)
        #expect(throws: PowerError.self) { try IPMIToolCommand.parseStatus("Set Chassis Power Control to Up/On failed") }
    }

    /// What Debian's ipmitool 1.8.19 printed with -v against pyghmi's BMC (IPMIPowerTests).
    @Test func failures() {
        #expect(IPMIToolCommand.failure(exitStatus: 1, output: """
            Loading IANA PEN Registry...
            Using best available cipher suite 3

            > RAKP 2 HMAC is invalid
            Error: Unable to establish IPMI v2 / RMCP+ session
            """) == .bmc(status: nil, message: "login refused (wrong user or password): RAKP 2 HMAC is invalid | Error: Unable to establish IPMI v2 / RMCP+ session"))
        #expect(IPMIToolCommand.failure(exitStatus: 1, output: """
            Loading IANA PEN Registry...
            Get Auth Capabilities error
            Error issuing Get Channel Authentication Capabilities request
            Error: Unable to establish IPMI v2 / RMCP+ session
            """) == .unreachable("no answer from the BMC: Get Auth Capabilities error | Error issuing Get Channel Authentication Capabilities request | Error: Unable to establish IPMI v2 / RMCP+ session"))
        #expect(IPMIToolCommand.failure(exitStatus: 1, output: """
            Running Get VSO Capabilities my_addr 0x20, transit 0, target 0x20
            Invalid completion code received: Invalid command
            Set Chassis Power Control to Cycle failed: Command not supported in present state
            """)
            == .bmc(status: nil, message: "Set Chassis Power Control to Cycle failed: Command not supported in present state"))
        #expect(IPMIToolCommand.failure(exitStatus: 1, output: "") == .bmc(status: nil, message: "ipmitool exited with status 1"))
    }

    @Test func driverRunsIpmitoolAndReadsItsAnswer() throws {
        let runs = Recorder()
        let driver = IPMIToolDriver(command: command) { arguments throws(PowerError) in
            runs.append(arguments)
            return arguments.last == "status" ? .init(exitStatus: 0, output: "Loading IANA PEN Registry...\nChassis Power is off\n")
                : .init(exitStatus: 0, output: "Chassis Power Control: Up/On\n")
        }
        #expect(try driver.run(.pxe).steps == [.bootFromNetworkOnce, .on])
        #expect(runs.all.map { $0.suffix(3).joined(separator: " ") }
            == ["chassis power status", "bootdev pxe options=efiboot", "chassis power on", "chassis power status"])
    }
}

final class Recorder: @unchecked Sendable {
    private(set) var all: [[String]] = []
    func append(_ arguments: [String]) { all.append(arguments) }
}
