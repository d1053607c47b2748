import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// `provisionctl doctor` against provisiond in proxy mode on a segment where a rogue dnsmasq
/// (its own config, in the client namespace only) gives addresses, first with a PXE boot file of
/// its own, then without; one profile's initrd is missing.
@Suite(.serialized, .timeLimit(.minutes(3))) struct DoctorNetworkTests {
    @Test func findsTheRogueDHCPServerAndTheMissingAsset() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:c0:00:01")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(try runTool("ip", ["-n", lab.client, "addr", "add", "10.77.0.2/24", "dev", lab.clientInterface]).status == 0)
        let server = try Self.startServer(lab, dir)
        defer { server.stop() }

        var rogue = try Self.dnsmasq(lab, dir, bootFile: "pxelinux.0")
        let report = try server.ctl(["doctor", "--json", "--dhcp-wait", "2"])
        rogue.stop()
        #expect(report.status == 1, "\(report.stdout) \(report.stderr) \(rogue.log)")
        #expect(report.stderr.contains("check(s) failed: dhcp-other-servers, profile broken"), "\(report.stderr)")
        let checks = try #require(try JSONParser.parse(report.stdout)["checks"]?.arrayValue)
        func check(_ name: String) -> JSONValue? { checks.first { $0["name"] == .string(name) } }

        let dhcp = try #require(check("dhcp-other-servers"))
        #expect(dhcp["status"] == .string("fail"), "\(dhcp.encoded()) dnsmasq: \(rogue.log)")
        let offer = try #require(dhcp["details"]?["offers"]?.arrayValue?.first)
        #expect(offer["server"] == .string("10.77.0.2"))
        #expect(offer["boot_file"] == .string("pxelinux.0"))
        #expect(offer["address"]?.stringValue?.hasPrefix("10.77.0.15") == true || offer["address"] == .string("10.77.0.160"), "\(offer.encoded())")
        #expect(dhcp["fix"]?.stringValue?.contains("remove the PXE options") == true)

        let broken = try #require(check("profile broken"))
        #expect(broken["status"] == .string("fail"))
        #expect(broken["message"] == .string("kernel b/vmlinuz 4096 B, initrd b/initrd MISSING"))
        #expect(broken["fix"] == .string("put \(dir.file("data/assets"))/b/initrd in place (machines with this profile cannot boot)"))
        let complete = try #require(check("profile complete"))
        #expect(complete["status"] == .string("ok"))
        #expect(complete["message"] == .string("kernel c/vmlinuz 4096 B, initrd c/initrd 2.0 MiB"))
        #expect(check("profile local")?["status"] == .string("ok"))

        for name in ["ports", "server-url", "database", "admin-token", "clock"] {
            #expect(check(name)?["status"] == .string("ok"), "\(check(name)?.encoded() ?? name + " missing")")
        }
        #expect(check("ipxe-binaries")?["status"] != .string("fail"), "Debian's ipxe package: \(check("ipxe-binaries")?.encoded() ?? "")")
        #expect(check("ipxe-binaries")?["details"]?["undionly.kpxe"]?.intValue ?? 0 > 0)
        #expect(check("disk")?["details"]?["free_bytes"] != nil)
        #expect(check("clock")?["details"]?["skew_seconds"] != nil)
        #expect(check("server-url")?["message"] == .string("http://10.77.0.1:8080/healthz answers 200 from 10.77.0.1"))
        // provisiond's own DHCP service neither answered nor recorded the probe.
        let listed = try server.ctl(["list", "--json"]).stdout
        #expect(try JSONParser.parse(listed) == .array([]), "\(listed)")

        // A plain DHCP server (no boot file): proxy mode coexists. The token made readable fails.
        rogue = try Self.dnsmasq(lab, dir, bootFile: nil)
        chmod(server.tokenPath, 0o644)
        let human = try server.ctl(["doctor", "--dhcp-wait", "2"])
        rogue.stop()
        chmod(server.tokenPath, 0o600)
        let lines = human.stdout.split(separator: "\n").map(String.init)
        #expect(human.status == 1)
        #expect(lines.contains { $0.hasPrefix("ok    dhcp-other-servers") && $0.contains("proxy mode coexists with the DHCP server(s) on \(lab.serverInterface): 10.77.0.2 offers 10.77.0.1") },
                "\(human.stdout) dnsmasq: \(rogue.log)")
        #expect(lines.contains { $0.hasPrefix("fail  admin-token") && $0.contains("mode 0644") && $0.contains(" — fix: chmod 600 ") }, "\(human.stdout)")
        #expect(lines.contains { $0.hasPrefix("fail  profile broken") }, "\(human.stdout)")
        #expect(lines.count == checks.count, "one line per check: \(human.stdout)")
    }

    /// dnsmasq as a rogue DHCP server on the client's side of the segment: no DNS (`port=0`), its
    /// own lease file, no ping before offering (so it answers within the probe's wait).
    private static func dnsmasq(_ lab: NetworkLab, _ dir: TemporaryDirectory, bootFile: String?) throws -> NamespaceDaemon {
        let config = try dir.write("dnsmasq.conf", """
            port=0
            interface=\(lab.clientInterface)
            bind-interfaces
            dhcp-range=10.77.0.150,10.77.0.160,255.255.255.0,1h
            dhcp-leasefile=\(dir.file("dnsmasq.leases"))
            pid-file=\(dir.file("dnsmasq.pid"))
            no-ping
            no-resolv
            no-hosts
            log-dhcp
            \(bootFile.map { "dhcp-boot=\($0)" } ?? "")
            """)
        let daemon = try NamespaceDaemon("dnsmasq", ["--conf-file=\(config)", "--no-daemon", "--user=root"], namespace: lab.client)
        try poll("dnsmasq to start: \(daemon.log)") { daemon.log.contains("DHCP, IP range") || !daemon.isRunning }
        guard daemon.isRunning else { throw TestFailure("dnsmasq stopped: \(daemon.log)") }
        return daemon
    }

    private static func startServer(_ lab: NetworkLab, _ dir: TemporaryDirectory) throws -> ServerProcess {
        for folder in ["profiles", "data/assets/c", "data/assets/b"] {
            try FileManager.default.createDirectory(atPath: dir.file(folder), withIntermediateDirectories: true)
        }
        _ = try dir.write("profiles/complete.json", #"{"kernel": "c/vmlinuz", "initrd": ["c/initrd"], "cmdline": "console=ttyS0"}"#)
        _ = try dir.write("profiles/broken.json", #"{"kernel": "b/vmlinuz", "initrd": ["b/initrd"], "cmdline": "console=ttyS0"}"#)
        _ = try dir.write("profiles/local.json", #"{"description": "the local disk", "cmdline": ""}"#)
        for (path, size) in [("data/assets/c/vmlinuz", 4096), ("data/assets/c/initrd", 2 << 20), ("data/assets/b/vmlinuz", 4096)] {
            #expect(FileManager.default.createFile(atPath: dir.file(path), contents: Data(count: size)))
        }
        return try ServerProcess(dataDir: dir.file("data"), extraArguments: [
            "--dhcp-mode", "proxy", "--interface", lab.serverInterface, "--http-listen", "0.0.0.0:8080", "--tftp-listen", "0.0.0.0:69",
            "--profiles-dir", dir.file("profiles"), "--server-url", "http://10.77.0.1:8080",
        ], namespace: lab.server)
    }
}
