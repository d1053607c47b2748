import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// provisionctl against a real provisiond: the operator's whole loop.
@Suite(.timeLimit(.minutes(5))) struct ProvisionctlTests {
    @Test func registerListShowUpdateEventsRetireDelete() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)

        let registered = try server.ctl(["register", "AA-BB-CC-00-00-01", "--hostname", "Node1", "--profile", "ubuntu-24.04",
                                         "--role", "server", "--ip", "10.77.0.11", "--label", "rack=r1", "--nic", "aabb.cc00.0002", "--json"])
        #expect(registered.status == 0, "\(registered.stderr)")
        let machine = try JSONParser.parse(registered.stdout)
        #expect(machine["mac"] == .string("aa:bb:cc:00:00:01"))
        #expect(machine["hostname"] == .string("node1"))
        #expect(machine["state"] == .string("registered"))
        #expect(machine["nics"] == .array([.string("aa:bb:cc:00:00:02")]))
        #expect(machine["labels"]?["rack"] == .string("r1"))

        let second = try server.ctl(["register", "aabbcc000003", "--hostname", "node2", "--profile", "k3s-agent"])
        #expect(second.status == 0, "\(second.stderr)")

        let table = try server.ctl(["list"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("MAC"))
        // Columns are aligned: STATE starts at the same offset on every line.
        let stateColumn = lines[0].range(of: "STATE")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1].dropFirst(stateColumn).hasPrefix("registered"))
        #expect(lines[2].dropFirst(stateColumn).hasPrefix("registered"))

        // Any MAC form and any NIC of the machine finds it.
        let shown = try server.ctl(["show", "aa:bb:cc:00:00:02", "--json"])
        #expect(try JSONParser.parse(shown.stdout)["mac"] == .string("aa:bb:cc:00:00:01"))

        let updated = try server.ctl(["update", "aa:bb:cc:00:00:01", "--role", "", "--profile", "debian-12", "--json"])
        #expect(updated.status == 0, "\(updated.stderr)")
        #expect(try JSONParser.parse(updated.stdout)["role"] == .null)

        let retired = try server.ctl(["retire", "aa:bb:cc:00:00:01", "--reason", "disk failed", "--json"])
        #expect(try JSONParser.parse(retired.stdout)["state"] == .string("retired"))

        let events = try JSONParser.parse(try server.ctl(["events", "aa:bb:cc:00:00:01", "--json"]).stdout).arrayValue ?? []
        #expect(events.map { $0["event"]?.stringValue ?? "" } == ["register", "update", "retire"])
        #expect(events.last?["from"] == .string("registered"))
        #expect(events.last?["detail"] == .string("disk failed"))

        let listedRetired = try server.ctl(["list", "--state", "retired", "--json"])
        #expect(try JSONParser.parse(listedRetired.stdout).arrayValue?.count == 1)

        #expect(try server.ctl(["delete", "aa:bb:cc:00:00:01"]).status == 0)
        let gone = try server.ctl(["show", "aa:bb:cc:00:00:01"])
        #expect(gone.status == 1)
        #expect(gone.stderr.contains("no machine with MAC aa:bb:cc:00:00:01"))
        #expect(server.stop() == 0)
    }

    @Test func adoptsADiscoveredMachineAndRefusesInvalidTransitions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // Seed a discovery the way the boot plane records one, then start the server on that data.
        do {
            let inventory = try Inventory(path: dir.path + "/provision.db")
            _ = try inventory.discover(try MACAddress("52:54:00:aa:00:01"), source: "dhcp", detail: "arch=7")
        }
        let server = try ServerProcess(dataDir: dir.path)
        let discovered = try server.ctl(["list", "--state", "discovered", "--json"])
        #expect(try JSONParser.parse(discovered.stdout).arrayValue?.count == 1)

        let registerInstead = try server.ctl(["register", "52:54:00:aa:00:01", "--hostname", "w1", "--profile", "local-disk"])
        #expect(registerInstead.status == 1)
        #expect(registerInstead.stderr.contains("adopt"))

        let adopted = try server.ctl(["adopt", "525400aa0001", "--hostname", "w1", "--profile", "local-disk", "--json"])
        #expect(adopted.status == 0, "\(adopted.stderr)")
        #expect(try JSONParser.parse(adopted.stdout)["state"] == .string("registered"))

        let again = try server.ctl(["adopt", "525400aa0001", "--hostname", "w1", "--profile", "local-disk"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("cannot adopt a machine that is registered"))
        #expect(again.stderr.contains("409"))

        let reimage = try server.ctl(["reimage", "525400aa0001"])
        #expect(reimage.status == 1)
        #expect(reimage.stderr.contains("cannot reimage"))
        server.stop()
    }

    @Test func reportsBadInputAndAuthProblemsInOneLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)

        let badMAC = try server.ctl(["show", "aa:bb:cc:dd:ee"])
        #expect(badMAC.status == 1)
        #expect(badMAC.stderr == "provisionctl: invalid MAC address \"aa:bb:cc:dd:ee\": expected six hex octets like aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff\n")

        let wrongToken = try runProgram(Binaries.provisionctl, ["--server", server.adminURL, "list"], environment: ["PROVISION_TOKEN": "not-the-token"])
        #expect(wrongToken.status == 1)
        #expect(wrongToken.stderr.contains("401"))
        #expect(wrongToken.stderr.contains("PROVISION_TOKEN"))

        let tokenFromEnvironment = try runProgram(Binaries.provisionctl, ["--server", server.adminURL, "list"], environment: ["PROVISION_TOKEN": server.token])
        #expect(tokenFromEnvironment.status == 0)

        // The default token location is ./provision-data/admin.token.
        let work = try TemporaryDirectory()
        defer { work.remove() }
        try FileManager.default.createDirectory(atPath: work.path + "/provision-data", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: server.tokenPath, toPath: work.path + "/provision-data/admin.token")
        let fromDefault = try runProgram(Binaries.provisionctl, ["--server", server.adminURL, "list"], environment: [:], directory: work.url)
        #expect(fromDefault.status == 0, "\(fromDefault.stderr)")

        server.stop()
        let unreachable = try runProgram(Binaries.provisionctl, ["--server", server.adminURL, "list"], environment: ["PROVISION_TOKEN": "x"])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("provisionctl: cannot reach provisiond at \(server.adminURL)"))
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
    }
}
