import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// The UDP planes on Dispatch (issue 17 §4): a burst of DHCP requests and hundreds of TFTP
/// transfers at once are all served by a bounded number of threads (counted in /proc/PID/task
/// while they run), where a thread per packet or per transfer would number in the hundreds.
@Suite(.serialized, .timeLimit(.minutes(5))) struct UDPPlaneThreadsTests {
    /// Threads provisiond may have at the peak: its own few (main, signals, watchdog, timers)
    /// and Dispatch's workers, which Dispatch bounds by the cores and its blocked-thread monitor.
    static let threadBound = 32
    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support")
    static let swarm = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench/tftp_swarm.py").path

    @Test("1,000 relayed DORAs sent at once: every client offered and acked a distinct address, leases on disk, threads bounded")
    func dhcpBurst() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:a0:00:21")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = dir.path + "/provisiond.json"
        try """
            {"dhcp": {"mode": "full", "subnets": [
              {"cidr": "10.78.0.0/22", "range": ["10.78.0.10", "10.78.3.250"], "router": "10.78.0.1", "leaseSeconds": 600}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: [
            "--config", config, "--dhcp-mode", "full", "--interface", lab.serverInterface], namespace: lab.server)
        #expect(try runTool("ip", ["-n", lab.client, "addr", "add", "10.78.0.2/24", "dev", lab.clientInterface]).status == 0)
        // More than `DHCPService.pendingLimit` (512) REQUESTs at once: the read sources are
        // suspended while a commit runs, and what waited in the kernel is read after it.
        let count = 1000
        // Nothing is resent, so every reply must come from the first try; 30 s only bounds a
        // server that never answers.
        let backlogBefore = KernelPacketDrops.inputBacklogTotal()
        let result = try lab.inClient("python3", [Self.support.appendingPathComponent("dhcp_burst.py").path, "10.78.0.2", "10.78.0.1",
                                                  String(count), "30", String(server.process.processIdentifier)])
        let report = try JSONParser.parse(result.stdout)
        // A packet the host dropped before any socket (a full input backlog: a test flooding
        // beside this one) is no fault of the server's: as many fewer answers as the kernel
        // counted such drops are accepted, and no more. The server's own socket must drop none.
        let lost = KernelPacketDrops.inputBacklogTotal() - backlogBefore
        let offers = report["offers"]?.intValue ?? 0
        let acks = report["acks"]?.intValue ?? 0
        if lost > 0 { print("UDPPlaneThreadsTests: the host dropped \(lost) packets for a full input backlog during the burst") }
        #expect(offers <= count && offers + lost >= count, "\(result.stdout) \(result.stderr)")
        #expect(acks <= offers && acks + lost >= count)
        #expect(report["distinct"] == .int(acks))
        let peak = report["peak_threads"]?.intValue ?? .max
        #expect(peak <= Self.threadBound, "peak \(peak) threads (idle \(report["idle_threads"]?.intValue ?? 0))")
        // Every ACK followed its lease's commit: all are on disk.
        let leases = try JSONParser.parse(try server.ctl(["leases", "--json"]).stdout).arrayValue ?? []
        #expect(leases.count >= acks && leases.count <= count)
        #expect(!server.log.contains("dhcp-kernel-drops"), "the receive buffer held the burst")
        #expect(server.stop() == 0)
    }

    @Test("300 lock-step TFTP clients at once, each from its own address: every file whole, threads bounded")
    func tftpSwarm() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", dir.path])
        let count = 300
        let result = try runTool("python3", [Self.swarm, "--port", String(server.tftpPort), "--clients", String(count), "--workers", "2",
                                             "--file", "undionly.kpxe=/usr/lib/ipxe/undionly.kpxe", "--file", "ipxe.efi=/usr/lib/ipxe/ipxe.efi",
                                             "--watch", String(server.process.processIdentifier)])
        let report = try JSONParser.parse(result.stdout)
        #expect(report["ok"] == .int(count), "\(result.stdout) \(result.stderr)")
        let peak = report["peak_threads"]?.intValue ?? .max
        #expect(peak <= Self.threadBound, "peak \(peak) threads (idle \(report["idle_threads"]?.intValue ?? 0))")
        #expect(server.stop() == 0)
        #expect(!server.log.contains("tftp-gave-up") && !server.log.contains("tftp-aborted"), "\(server.log)")
    }
}
