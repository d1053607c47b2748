import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// provisiond's DHCP server in a network namespace, against real clients (dhclient, udhcpc) and
/// packets captured from real firmware.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DHCPClientTests {
    static let netbootMAC = "52:54:00:12:34:56"

    private func config(_ dir: TemporaryDirectory, mode: String) throws -> String {
        let path = dir.path + "/provisiond.json"
        try """
            {"dhcp": {"mode": "\(mode)", "subnets": [
              {"cidr": "10.77.0.0/24", "range": ["10.77.0.100", "10.77.0.150"], "router": "10.77.0.1", "dns": ["10.77.0.1"],
               "domain": "lab.test", "leaseSeconds": 3600},
              {"cidr": "10.78.0.0/24", "range": ["10.78.0.100", "10.78.0.150"], "router": "10.78.0.1", "leaseSeconds": 600}]}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func startServer(_ lab: NetworkLab, _ dir: TemporaryDirectory, mode: String, dataDir: String? = nil) throws -> ServerProcess {
        try ServerProcess(dataDir: dataDir ?? dir.path + "/data", extraArguments: [
            "--config", try config(dir, mode: mode), "--dhcp-mode", mode, "--interface", lab.serverInterface,
            "--http-listen", "0.0.0.0:8080",
        ], namespace: lab.server)
    }

    private func leases(_ server: ServerProcess) throws -> [JSONValue] {
        try JSONParser.parse(try server.ctl(["leases", "--json"]).stdout).arrayValue ?? []
    }

    private func waitForLog(_ server: ServerProcess, _ text: String, seconds: Double = 60) -> Bool {
        eventually(seconds: seconds) { server.log.contains(text) }
    }

    @Test func realClientsLeaseRenewReleaseAndLeasesSurviveARestart() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:a0:00:01")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var server = try startServer(lab, dir, mode: "full")
        // The client's MAC is registered with a reserved address outside the pool.
        #expect(try server.ctl(["register", lab.clientMAC, "--hostname", "reserved", "--profile", "p", "--ip", "10.77.0.50"]).status == 0)

        // udhcpc (busybox): lease, then a renewal (SIGUSR1, unicast from the leased address),
        // then a release (SIGUSR2).
        let script = dir.path + "/udhcpc.sh"
        try """
            #!/bin/sh
            echo "event=$1 ip=$ip router=$router dns=$dns domain=$domain lease=$lease"
            case "$1" in bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;; deconfig) ip addr flush dev "$interface" ;; esac
            echo "done=$1"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let udhcpc = Process()
        udhcpc.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        udhcpc.arguments = ["netns", "exec", lab.client, try toolPath("busybox"), "udhcpc", "-i", lab.clientInterface, "-f", "-s", script]
        let output = ChildOutput()
        udhcpc.standardOutput = output.pipe
        udhcpc.standardError = output.pipe
        try udhcpc.runWithSignalsUnblocked()
        output.startReading()
        defer { if udhcpc.isRunning { kill(udhcpc.processIdentifier, SIGKILL) } }
        #expect(waitForLog(server, "reply=DHCPACK ip=10.77.0.50"), "reserved address: \(server.log)")
        // udhcpc takes signals only between packets: one that arrives before it has handled the
        // ACK (its script ran to the end) would restart discovery instead. Wait for the script.
        try poll("udhcpc to run its bound script: \(output.text)") { output.text.contains("done=bound") }
        kill(udhcpc.processIdentifier, SIGUSR1)
        #expect(waitForLog(server, "to=10.77.0.50:68"), "renewal answered by unicast to the leased address")
        try poll("udhcpc to run its renew script: \(output.text)") { output.text.contains("done=renew") }
        kill(udhcpc.processIdentifier, SIGUSR2)
        #expect(waitForLog(server, "10.77.0.50 released"))
        kill(udhcpc.processIdentifier, SIGTERM)
        udhcpc.waitUntilExit()
        output.waitForEOF()
        let udhcpcOutput = output.text
        #expect(udhcpcOutput.contains("event=bound ip=10.77.0.50 router=10.77.0.1 dns=10.77.0.1 domain=lab.test lease=3600"), "\(udhcpcOutput)")
        #expect(udhcpcOutput.contains("event=renew ip=10.77.0.50"))
        #expect(try leases(server).first { $0["ip"] == .string("10.77.0.50") }?["state"] == .string("released"))

        // dhclient (isc-dhcp-client) on an unregistered MAC: an address from the pool.
        #expect(try runTool("ip", ["-n", lab.client, "addr", "flush", "dev", lab.clientInterface]).status == 0)
        #expect(try runTool("ip", ["-n", lab.client, "link", "set", lab.clientInterface, "address", "52:54:00:a0:00:02"]).status == 0)
        let dhclientScript = dir.path + "/dhclient.sh"
        try "#!/bin/sh\necho \"reason=$reason ip=$new_ip_address\"\n".write(toFile: dhclientScript, atomically: true, encoding: .utf8)
        chmod(dhclientScript, 0o755)
        // dhclient daemonizes once bound, keeping its output open: write it to a file, not a
        // pipe the test would wait on, and stop the daemon by its pid file.
        func dhclient() throws -> String {
            let log = dir.path + "/dhclient.out"
            let command = "dhclient -1 -v -sf \(dhclientScript) -pf \(dir.path)/dhclient.pid -lf \(dir.path)/dhclient.leases "
                + "\(lab.clientInterface) > \(log) 2>&1 < /dev/null"
            _ = try lab.inClient("sh", ["-c", command])
            _ = try? runTool("sh", ["-c", "kill $(cat \(dir.path)/dhclient.pid) 2>/dev/null"])
            return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        let first = try dhclient()
        #expect(first.contains("reason=BOUND ip=10.77.0.100"), "\(first)")

        // Restart: every lease is still there, and dhclient's reboot request for its address is confirmed.
        let before = try leases(server)
        #expect(before.count == 2)
        #expect(server.stop() == 0)
        server = try startServer(lab, dir, mode: "full")
        #expect(try leases(server) == before)
        let again = try dhclient()
        #expect(again.contains("ip=10.77.0.100"), "\(again)")
        // The log is read from a pipe by a thread of the test's: a line may lag the client's answer.
        #expect(eventually(seconds: 10) { server.log.contains("type=DHCPREQUEST reply=DHCPACK ip=10.77.0.100") })
        server.stop()
    }

    /// The firmware requests: real captures where we have them; ARM64 and BIOS-without-iPXE are
    /// derived from them (no such firmware runs here), changing only the options that differ.
    private func netbootRequests() throws -> [(name: String, bytes: [UInt8], file: (String) -> String, vendor: String)] {
        var arm64 = try DHCPFixtures.packet("ovmf-pxe-discover")
        arm64.options.clientArchitectures = [11]
        arm64.options.vendorClass = "PXEClient:Arch:00011:UNDI:003000"
        var biosPXE = try DHCPFixtures.packet("ipxe-bios-discover")
        biosPXE.options[77] = nil
        biosPXE.options[175] = nil
        let script: (String) -> String = { "\($0)/boot.ipxe?mac=\(Self.netbootMAC)" }
        return [
            ("BIOS PXE", biosPXE.encode(), { _ in "undionly.kpxe" }, "PXEClient"),
            ("UEFI x64 (OVMF)", try DHCPFixtures.bytes("ovmf-pxe-discover"), { _ in "ipxe.efi" }, "PXEClient"),
            ("ARM64 UEFI", arm64.encode(), { _ in "snp.efi" }, "PXEClient"),
            ("UEFI HTTP boot (OVMF)", try DHCPFixtures.bytes("ovmf-http-discover"), { "\($0)/ipxe/ipxe.efi" }, "HTTPClient"),
            ("iPXE BIOS", try DHCPFixtures.bytes("ipxe-bios-discover"), script, "PXEClient"),
            ("iPXE UEFI", try DHCPFixtures.bytes("ipxe-uefi-discover"), script, "PXEClient"),
        ]
    }

    @Test(arguments: ["proxy", "full"])
    func firmwareRequestsGetTheRightBootFile(mode: String) throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try startServer(lab, dir, mode: mode)
        #expect(try server.ctl(["register", Self.netbootMAC, "--hostname", "fw", "--profile", "p"]).status == 0)
        for request in try netbootRequests() {
            let replies = try lab.probe([request.bytes])
            let reply = try #require(replies.first, "\(request.name): no reply in \(mode) mode")
            #expect(reply.packet.options.messageType == .offer, "\(request.name)")
            #expect(reply.packet.file == request.file("http://10.77.0.1:8080"), "\(request.name)")
            #expect(reply.packet.siaddr == IPv4Address(10, 77, 0, 1), "\(request.name)")
            #expect(reply.packet.options.serverIdentifier == IPv4Address(10, 77, 0, 1))
            #expect(reply.packet.options.vendorClass == request.vendor, "\(request.name)")
            let sent = try DHCPPacket.decode(request.bytes)
            #expect(reply.packet.xid == sent.xid)
            if let uuid = sent.options.clientUUID { #expect(reply.packet.options.clientUUID == uuid, "option 97 echoed") }
            if mode == "proxy" {
                #expect(reply.packet.yiaddr.rawValue == 0, "proxyDHCP gives no address")
            } else {
                #expect(reply.packet.yiaddr.rawValue != 0)
            }
        }
        if mode == "proxy" {
            // The PXE boot-server request on port 4011, unicast from an address the client has.
            #expect(try runTool("ip", ["-n", lab.client, "addr", "add", "10.77.0.60/24", "dev", lab.clientInterface]).status == 0)
            let ack = try #require(try lab.probe([try DHCPFixtures.bytes("ovmf-pxe-request")], bind: "10.77.0.60", to: "10.77.0.1", port: 4011).first)
            #expect(ack.packet.options.messageType == .ack)
            #expect(ack.packet.file == "ipxe.efi")
            #expect(ack.source == "10.77.0.1:4011")
            // A plain client is not a netboot client: the proxy stays silent. The firmware's
            // request sent after it is the barrier: once that is answered, the first was handled.
            let plain = try DHCPFixtures.bytes("udhcpc-discover")
            let barrier = try DHCPFixtures.bytes("ovmf-pxe-discover")
            let replies = try lab.probe([plain, barrier])
            #expect(replies.map(\.packet.xid) == [try DHCPPacket.decode(barrier).xid], "only the firmware is answered")
        }
        server.stop()
    }

    @Test func relayedRequestsAreAnsweredToTheRelayAndUnknownMachinesAreDiscovered() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try startServer(lab, dir, mode: "full")
        #expect(try runTool("ip", ["-n", lab.client, "addr", "add", "10.78.0.2/24", "dev", lab.clientInterface]).status == 0)
        // A relay agent at 10.78.0.2 forwards the OVMF request, adding option 82.
        var relayed = try DHCPFixtures.packet("ovmf-pxe-discover")
        relayed.giaddr = IPv4Address(10, 78, 0, 2)
        relayed.hops = 1
        relayed.options[82] = [1, 4] + Array("eth7".utf8) + [2, 3] + Array("sw1".utf8)
        let reply = try #require(try lab.probe([relayed.encode()], bind: "10.78.0.2", bindPort: 67, to: "10.78.0.1", port: 67).first)
        #expect(reply.source == "10.78.0.1:67")
        #expect(reply.packet.options.messageType == .offer)
        #expect(IPv4Address(10, 78, 0, 100) <= reply.packet.yiaddr && reply.packet.yiaddr <= IPv4Address(10, 78, 0, 150),
                "an address from the relay's subnet, not the interface's")
        #expect(reply.packet.options[82] == relayed.options[82], "option 82 echoed to the relay")
        #expect(reply.packet.file.isEmpty, "an unknown machine gets no boot file under discovery ignore")

        // The unknown netboot MAC becomes a discovered machine with what its request said: the
        // sighting is written in the commit after the OFFER went out, which did not wait for it.
        var shown = JSONValue.null
        try poll("the discovered machine") {
            shown = (try? JSONParser.parse(try server.ctl(["show", Self.netbootMAC, "--json"]).stdout)) ?? .null
            return shown["state"] == .string("discovered")
        }
        let seen = try #require(shown["seen"])
        #expect(seen["arch"] == .int(7))
        #expect(seen["vendorClass"] == .string("PXEClient:Arch:00007:UNDI:003000"))
        #expect(seen["uuid"]?.stringValue?.count == 36, "option 97 as UUID text")
        #expect(seen["relay"] == .string("10.78.0.2"))
        #expect(seen["circuitId"] == .string(Array("eth7".utf8).hexString))
        #expect(seen["remoteId"] == .string(Array("sw1".utf8).hexString))
        let discovered = try JSONParser.parse(try server.ctl(["list", "--state", "discovered", "--json"]).stdout).arrayValue ?? []
        #expect(discovered.count == 1)
        server.stop()
    }

    /// Only a lease must be on disk before its reply (RFC 2131 §4.3.1): an OFFER goes out while
    /// the sighting written beside it still waits for the database. Another connection holds
    /// SQLite's write lock; the OFFER arrives all the same, and once the lock is let go (well
    /// inside provisiond's 5 s busy timeout) the sighting is written. Were the OFFER held for the
    /// commit, it would come only after the commit failed at the timeout, and the sighting never.
    @Test func anOfferDoesNotWaitForTheSightingWrittenBesideIt() throws {
        let lab = try NetworkLab()
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try startServer(lab, dir, mode: "full")
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: try toolPath("python3"))
        locker.arguments = ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.readline()
            db.execute("COMMIT")
            """, dir.path + "/data/provision.db"]
        let (input, output) = (Pipe(), Pipe())
        locker.standardInput = input
        locker.standardOutput = output
        try locker.run()
        defer { if locker.isRunning { locker.terminate() } }
        var said = ""
        while !said.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            said += String(decoding: chunk, as: UTF8.self)
        }
        #expect(said == "locked\n")

        let offer = try #require(try lab.probe([try DHCPFixtures.bytes("ovmf-pxe-discover")]).first)
        try input.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
        locker.waitUntilExit()
        #expect(offer.packet.options.messageType == .offer)
        try poll("the sighting written once the lock is gone") {
            let shown = (try? JSONParser.parse(try server.ctl(["show", Self.netbootMAC, "--json"]).stdout)) ?? .null
            return shown["seen"]?["arch"] == .int(7)
        }
        #expect(!server.log.contains("dhcp-leases-not-saved"))
        server.stop()
    }

    @Test func aFloodOfMalformedPacketsDoesNotStopAValidClient() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:a0:00:09")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try startServer(lab, dir, mode: "full")
        let flood = Process()
        flood.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/dhcp_flood.py").path
        // Bounded by a stop file (and 120 s should the test die), so it runs for as long as the
        // client needs however slow the machine is.
        let stop = dir.path + "/stop-flood"
        flood.arguments = ["netns", "exec", lab.client, "python3", script, lab.clientInterface, "100000000", "120", stop]
        let floodOutput = ChildOutput()
        flood.standardOutput = floodOutput.pipe
        try flood.runWithSignalsUnblocked()
        floodOutput.startReading()
        defer { if flood.isRunning { kill(flood.processIdentifier, SIGKILL) } }
        // The server is in the thick of it (it logs a count every 1000 malformed packets).
        #expect(waitForLog(server, "total=1001"), "the flood reached the server: \(server.log)")
        let hook = dir.path + "/hook.sh"
        try "#!/bin/sh\necho \"event=$1 ip=$ip\"\n".write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let client = try lab.inClient("busybox", ["udhcpc", "-i", lab.clientInterface, "-n", "-q", "-f", "-t", "5", "-T", "1", "-s", hook])
        let stillFlooding = flood.isRunning
        #expect(FileManager.default.createFile(atPath: stop, contents: nil))
        flood.waitUntilExit()
        floodOutput.waitForEOF()
        let sent = Int(floodOutput.text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(client.stdout.contains("event=bound ip=10.77.0.100"), "\(client.stdout) \(client.stderr)")
        #expect(stillFlooding, "the client was answered while the flood was still running")
        #expect(sent > 1000)
        #expect(server.log.contains("dhcp-malformed"))
        #expect(try server.ctl(["list"]).status == 0, "the server is still up")
        server.stop()
    }
}
