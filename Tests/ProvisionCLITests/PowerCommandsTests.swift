import TestSupport
import Testing
import Wire

@testable import ProvisionCLI

@Suite("provisionctl power: options to requests, refusals before anything is sent")
struct PowerCommandsTests {
    private func settings(_ words: [String]) throws(CLIError) -> JSONValue? {
        try PowerCommands.settings(try Arguments(words, valued: PowerCommands.settingsValued, switches: []))
    }

    @Test("each driver's body; the password is read from its file, never taken from argv")
    func bodies() throws {
        let directory = try TemporaryDirectory()
        let password = try directory.write("password", "s3cret\n")
        let redfish = try settings(["--redfish", "https://bmc", "--user", "admin", "--password-file", password, "--fingerprint", "AB:CD"])
        #expect(redfish?.encoded() == #"{"driver":"redfish","address":"https://bmc","user":"admin","password":"s3cret","fingerprint":"AB:CD"}"#)
        let ipmi = try settings(["--ipmi", "10.0.0.9", "--port", "6230", "--cipher", "17", "--user", "root", "--password-file", password])
        #expect(ipmi?.encoded() == #"{"driver":"ipmi","address":"10.0.0.9","user":"root","password":"s3cret","port":6230,"cipher_suite":17}"#)
        #expect(try settings(["--proxmox", "pve"])?.encoded() == #"{"driver":"proxmox","address":"pve"}"#)
        #expect(try settings([]) == nil)
    }

    @Test("refused: two drivers, a missing user or password file, a port that is no number")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let password = try directory.write("password", "s3cret\n")
        #expect(throws: CLIError.self) { try settings(["--redfish", "https://bmc", "--proxmox", "pve"]) }
        #expect(throws: CLIError.self) { try settings(["--redfish", "https://bmc", "--password-file", password]) }
        #expect(throws: CLIError.self) { try settings(["--ipmi", "bmc", "--user", "root"]) }
        #expect(throws: CLIError.self) { try settings(["--ipmi", "bmc", "--user", "root", "--password-file", password, "--port", "x"]) }
        #expect(throws: CLIError.self) { try settings(["--redfish", "https://bmc", "--user", "u", "--password-file", directory.file("missing")]) }
    }

    @Test("an operation takes a MAC or a selection, not both and not neither")
    func selection() {
        let cli = ProvisionCLI(environment: ["PROVISION_TOKEN": "t", "PROVISION_SERVER": "http://127.0.0.1:9"])
        for words in [["power", "on"], ["power", "on", "52:54:00:00:00:01", "--label", "rack=r1"]] {
            let output = cli.run(words)
            #expect(output.status == 2 && output.stderr.contains("give a MAC, or --label"), "\(words): \(output.stderr)")
        }
        #expect(cli.run(["reimage", "52:54:00:00:00:01", "--power-cycle", "--nope"]).status == 2)
        #expect(cli.run(["register", "52:54:00:00:00:01", "--hostname", "h", "--profile", "p", "--power-on"]).stderr
            .contains("--power-on needs the machine's power settings"))
    }
}
