import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

/// What strangers on the segment can make the server write (DESIGN.md §11): 25,000 requests from
/// made-up MACs, boot-script GETs and PXE DHCPDISCOVERs, leave at most
/// `--discovery-limit` discovered machines, hook runs bounded by the write budget, a flat RSS,
/// and a registered machine served throughout; and a pool emptied by made-up MACs still leaves
/// the registered machine its reserved address.
@Suite(.serialized, .timeLimit(.minutes(5))) struct StrangerFloodTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/boot_plane_strangers.py").path
    static let limit = 50
    static let rate = 20.0

    private func start(_ lab: NetworkLab, _ dir: TemporaryDirectory, range: (String, String), extra: [String] = []) throws -> ServerProcess {
        let config = try dir.write("provisiond.json", """
            {"dhcp": {"mode": "full", "subnets": [
              {"cidr": "10.77.0.0/24", "range": ["\(range.0)", "\(range.1)"], "router": "10.77.0.1", "leaseSeconds": 3600}]}}
            """)
        return try ServerProcess(dataDir: dir.file("data"), extraArguments: [
            "--config", config, "--dhcp-mode", "full", "--interface", lab.serverInterface, "--http-listen", "0.0.0.0:8080",
            "--discovery-limit", String(Self.limit), "--discovery-rate", String(Int(Self.rate)),
        ] + extra, namespace: lab.server, metadataTrust: "address")
    }

    private func strangers(_ lab: NetworkLab, _ arguments: [String]) throws -> (Process, ChildOutput) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        process.arguments = ["netns", "exec", lab.client, "python3", Self.script] + arguments
        let output = ChildOutput()
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        try process.runWithSignalsUnblocked()
        output.startReading()
        return (process, output)
    }

    private func finish(_ child: (Process, ChildOutput)) -> String {
        child.0.waitUntilExit()
        child.1.waitForEOF()
        return child.1.text
    }

    /// Resident memory of the server, in KiB (`VmRSS` of /proc/PID/status).
    private func rss(_ server: ServerProcess) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(server.process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// The registered machine (the client namespace's own MAC) leases its address and, from it,
    /// gets its install script, as it would while strangers flood the segment; the lease's
    /// address is removed again after.
    private func servedMachine(_ lab: NetworkLab, _ dir: TemporaryDirectory, expecting address: String) throws -> Bool {
        let hook = try dir.write("udhcpc.sh", "#!/bin/sh\ncase \"$1\" in bound) ip addr replace \"$ip/$mask\" dev \"$interface\"; echo \"bound=$ip\" ;; esac\n")
        chmod(hook, 0o755)
        let lease = try lab.inClient("busybox", ["udhcpc", "-i", lab.clientInterface, "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", hook])
        guard lease.stdout.contains("bound=\(address)") else {
            Issue.record("the registered machine did not lease \(address): \(lease.stdout)\(lease.stderr)")
            return false
        }
        let script = try lab.inClient("curl", ["-s", "--max-time", "20", "--interface", address,
                                               "http://10.77.0.1:8080/boot.ipxe?mac=\(lab.clientMAC)"])
        _ = try lab.inClient("ip", ["addr", "del", "\(address)/24", "dev", lab.clientInterface])
        return script.stdout.contains("kernel")
    }

    @Test func twentyThousandMadeUpMACsWriteABoundedAmount() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:f1:00:01")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let hooks = dir.file("hooks")
        try FileManager.default.createDirectory(atPath: hooks, withIntermediateDirectories: true)
        let runs = dir.file("hook-runs")
        let hook = try dir.write("hooks/10-count", "#!/bin/sh\necho \"$EVENT $MAC\" >> \(runs)\n")
        chmod(hook, 0o755)
        try FileManager.default.createDirectory(atPath: dir.file("profiles"), withIntermediateDirectories: true)
        try dir.write("profiles/pxe.json", #"{"kernel": "netboot/vmlinuz", "cmdline": "console=ttyS0"}"#)
        let server = try start(lab, dir, range: ("10.77.0.100", "10.77.0.200"), extra: ["--hooks-dir", hooks, "--profiles-dir", dir.file("profiles")])
        defer { _ = server.stop() }
        #expect(try server.ctl(["register", lab.clientMAC, "--hostname", "steady", "--profile", "pxe", "--ip", "10.77.0.50"]).status == 0)
        // The strangers' HTTP comes from an address of their own.
        #expect(try lab.inClient("ip", ["addr", "add", "10.77.0.9/24", "dev", lab.clientInterface]).status == 0)
        let started = Date()

        // The first 15,000 fill every bounded table (the last-seen book holds 10,000 MACs) and
        // SQLite's page cache; the RSS after them is what the next 10,000 must not grow.
        let warmHTTP = try strangers(lab, ["http", "http://10.77.0.1:8080", "10000"])
        #expect(finish(try strangers(lab, ["discover", lab.clientInterface, "5000"])).contains("sent=5000"))
        #expect(finish(warmHTTP).contains("sent=10000 ok=10000"))
        let before = rss(server)
        let http = try strangers(lab, ["http", "http://10.77.0.1:8080", "5000"])
        let dhcp = try strangers(lab, ["discover", lab.clientInterface, "5000"])
        let servedDuringFlood = try servedMachine(lab, dir, expecting: "10.77.0.50")
        let httpOutput = finish(http), dhcpOutput = finish(dhcp)
        #expect(httpOutput.contains("sent=5000 ok=5000"), "\(httpOutput)")
        #expect(dhcpOutput.contains("sent=5000"), "\(dhcpOutput)")
        #expect(servedDuringFlood, "the registered machine was not served during the flood")
        try server.waitUntilIdle()
        let elapsed = Date().timeIntervalSince(started)
        let after = rss(server)

        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        let discovered = try inventory.machines().filter { $0.state == .discovered }
        #expect(discovered.count <= Self.limit, "\(discovered.count) discovered machines kept, limit \(Self.limit)")
        // Each discovery is one write from the budget (twice the rate at once, then the rate);
        // each makes at most two hook runs (discover, then prune).
        let writes = Int(Self.rate * 2 + Self.rate * elapsed)
        let hookRuns = ((try? String(contentsOfFile: runs, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(hookRuns.count <= 2 * writes + 10, "\(hookRuns.count) hook runs in \(elapsed) s for a budget of \(writes) writes")
        #expect(server.log.contains("discovery-bounded"), "the bounds never bit")
        #expect(after - before < 5 * 1024, "RSS grew from \(before) to \(after) KiB")
        #expect(try servedMachine(lab, dir, expecting: "10.77.0.50"), "the registered machine was not served after the flood")
    }

    @Test func strangersFillingThePoolNeverTakeAReservedAddress() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:f1:00:02")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.file("profiles"), withIntermediateDirectories: true)
        try dir.write("profiles/pxe.json", #"{"kernel": "netboot/vmlinuz", "cmdline": "console=ttyS0"}"#)
        // A pool of eleven, the registered machine's reservation inside it.
        let server = try start(lab, dir, range: ("10.77.0.100", "10.77.0.110"), extra: ["--profiles-dir", dir.file("profiles")])
        defer { _ = server.stop() }
        #expect(try server.ctl(["register", lab.clientMAC, "--hostname", "reserved", "--profile", "pxe", "--ip", "10.77.0.105"]).status == 0)

        let output = finish(try strangers(lab, ["exhaust", lab.clientInterface, "120"]))
        let taken = output.split(separator: "\n").filter { $0.hasPrefix("leased=") }.map { String($0.dropFirst("leased=".count)) }
        #expect(taken.count == 10, "the strangers took every free address: \(output)")
        #expect(!taken.contains("10.77.0.105"), "a stranger took the reserved address")
        #expect(try servedMachine(lab, dir, expecting: "10.77.0.105"))
    }
}
