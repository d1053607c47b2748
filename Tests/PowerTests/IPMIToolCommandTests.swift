import Power
import Testing

@Suite struct IPMIToolCommandTests {
    let command = try! IPMIToolCommand(host: "10.0.0.5", port: 6230, user: "admin", passwordFile: "/run/pw", cipherSuite: 17)

    @Test func statusUsesLanplusAndAPasswordFile() {
        #expect(command.status == ["-I", "lanplus", "-H", "10.0.0.5", "-p", "6230", "-U", "admin", "-f", "/run/pw",
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

    @Test func failures() {
        #expect(IPMIToolCommand.failure(exitStatus: 1, stderr: "Error: Unable to establish IPMI v2 / RMCP+ session\n")
            == .unreachable("Error: Unable to establish IPMI v2 / RMCP+ session"))
        #expect(IPMIToolCommand.failure(exitStatus: 1, stderr: "RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session")
            == .bmc(status: nil, message: "RAKP 2 HMAC is invalid | Error: Unable to establish IPMI v2 / RMCP+ session"))
        #expect(IPMIToolCommand.failure(exitStatus: 1, stderr: "") == .bmc(status: nil, message: "ipmitool exited with status 1"))
    }
}
