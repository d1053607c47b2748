import Foundation
import Glibc
import TestSupport
import Testing

/// TFTP under spoofable requests (issue 12 §5): an RRQ nobody acknowledges costs at most 3
/// packets and its slot for about 3 s, each client address has a few slots, and a flood of such
/// requests from other addresses never stops a real client.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TFTPAmplificationTests {
    static func rrq(_ name: String, options: [(String, String)] = []) -> [UInt8] {
        Array("\0\u{1}\(name)\0octet\0".utf8) + options.flatMap { Array("\($0.0)\0\($0.1)\0".utf8) }
    }

    /// What one request got until the server's ERROR (or 10 s of silence): opcodes in order.
    static func answers(to request: [UInt8], port: UInt16, from client: RawUDPClient) throws -> [UInt16] {
        try client.send(request, port: port)
        var opcodes: [UInt16] = []
        while let packet = try client.receive(), packet.count >= 2 {
            let opcode = UInt16(packet[0]) << 8 | UInt16(packet[1])
            opcodes.append(opcode)
            if opcode == 5 { break }
        }
        return opcodes
    }

    func server(_ dir: TemporaryDirectory, _ extra: [String] = []) throws -> ServerProcess {
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: root + "/file"))
        return try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root] + extra)
    }

    @Test("an RRQ never acknowledged gets DATA 1 (or the OACK) 3 times, then ERROR, even with retries 20")
    func unacknowledgedRequestIsAnsweredThreeTimes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir, ["--tftp-retries", "20"])
        // DATA is opcode 3, OACK 6, ERROR 5.
        #expect(try Self.answers(to: Self.rrq("file"), port: server.tftpPort, from: RawUDPClient()) == [3, 3, 3, 5])
        let options = Self.rrq("file", options: [("blksize", "1428"), ("timeout", "5")])
        #expect(try Self.answers(to: options, port: server.tftpPort, from: RawUDPClient()) == [6, 6, 6, 5])
        #expect(server.stop() == 0)
        let gaveUp = server.log.split(separator: "\n").filter { $0.contains("tftp-gave-up") }
        #expect(gaveUp.count == 2 && gaveUp.allSatisfy { $0.contains("attempts=3") }, "\(gaveUp)")
    }

    @Test("one address gets 8 transfers at once; the 9th is refused busy; ended transfers give their slots back")
    func perAddressSlots() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let source = "127.0.0.7"
        var holders: [RawUDPClient] = []
        for _ in 0..<8 {
            let client = try RawUDPClient(source: source)
            try client.send(Self.rrq("file"), port: server.tftpPort)
            let first = try #require(try client.receive())
            #expect(first.prefix(4) == [0, 3, 0, 1])
            // Acknowledged: an established transfer, which holds its slot through its full retries.
            try client.send([0, 4, 0, 1], port: client.lastSourcePort)
            holders.append(client)
        }
        let ninth = try RawUDPClient(source: source)
        try ninth.send(Self.rrq("file"), port: server.tftpPort)
        let refusal = try #require(try ninth.receive())
        #expect(refusal.prefix(2) == [0, 5])
        #expect(String(decoding: refusal.dropFirst(4), as: UTF8.self).contains("too many transfers to this address"))
        // Another address is not affected meanwhile.
        #expect(try TFTPClient.curl512.fetch("file", port: server.tftpPort, output: dir.path + "/other").status == 0)
        // The holders abort; a retry from the same address is served again.
        for holder in holders { try holder.send([0, 5, 0, 0] + Array("cancelled\0".utf8), port: holder.lastSourcePort) }
        let retry = try RawUDPClient(source: source, timeoutSeconds: 1)
        try poll("the address's slots to come back", seconds: 60, every: 0.2) {
            try retry.send(Self.rrq("file"), port: server.tftpPort)
            return try retry.receive()?.prefix(4) == [0, 3, 0, 1]
        }
        server.stop()
        #expect(server.log.contains("tftp-busy listener=tftp over_address="), "the refusal is logged as a count")
    }

    @Test("requests the kernel drops while the server cannot read are counted: the metric equals the socket's drops, and one log line")
    func kernelDropsAreCounted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let client = try RawUDPClient(source: "127.0.0.9", timeoutSeconds: 1)
        let listenerDrops = { KernelPacketDrops.now { _, port in port == server.tftpPort }.sockets }
        // Stopped, the server reads nothing: far more than its receive buffer holds (4 MiB asked,
        // ~1 KiB of it per datagram) waits, and the rest is dropped.
        kill(server.process.processIdentifier, SIGSTOP)
        // Nothing may throw before SIGCONT: a stopped server would not stop at the test's end.
        let sent = (0..<20_000).count { _ in (try? client.send(Self.rrq("file"), port: server.tftpPort)) != nil }
        kill(server.process.processIdentifier, SIGCONT)
        #expect(sent == 20_000)
        // A datagram tells the count as it was when the datagram was queued: the first one queued
        // after the drops, once the server has read its way to it, tells them all. Until the
        // buffer drains, a request may itself be dropped: sent again each second.
        let last = try RawUDPClient(source: "127.0.0.10", timeoutSeconds: 1)
        try poll("a request sent after the drops to be answered", seconds: 60, every: 0) {
            try last.send(Self.rrq("file"), port: server.tftpPort)
            return try last.receive()?.prefix(4) == [0, 3, 0, 1]
        }
        let dropped = listenerDrops()
        #expect(dropped > 0, "20,000 requests fitted in the buffer: nothing to count")
        var metrics = ""
        try poll("provisiond_tftp_kernel_drops_total to reach the socket's \(dropped) drops: \(metrics)", seconds: 30, every: 0.1) {
            metrics = try server.curl("GET", "/metrics").1.split(separator: "\n").filter { $0.hasPrefix("provisiond_tftp_kernel_drops_total ") }
                .joined()
            return metrics == "provisiond_tftp_kernel_drops_total \(dropped)"
        }
        server.stop()
        let lines = server.log.split(separator: "\n").filter { $0.contains("tftp-kernel-drops") }
        // One line a minute at most: the first count seen (a resent request dropped later is in
        // the metric only).
        let logged = lines.first.flatMap { $0.split(separator: " ").first { $0.hasPrefix("count=") } }.flatMap { Int($0.dropFirst(6)) }
        #expect(lines.count == 1 && lines[0].contains("port=\(server.tftpPort)") && (1...dropped).contains(logged ?? 0), "\(lines)")
    }

    @Test("5,000 junk datagrams and 5,000 RRQs for missing files on port 69: each answered (ERROR 4, ERROR 1), logged as counts past a few lines, and a real client still served")
    func junkAndRefusalsAreCountedNotLoggedLineByLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let junk = try RawUDPClient(source: "127.0.0.11")
        let asker = try RawUDPClient(source: "127.0.0.12")
        let started = Date()
        for index in 0..<5_000 {
            // Opcode 9 is no TFTP packet (RFC 1350, 2347); nor is a bare opcode.
            try junk.send(index % 2 == 0 ? [0, 9, 1, 2] : [0], port: server.tftpPort)
            try asker.send(Self.rrq("missing-\(index)"), port: server.tftpPort)
        }
        #expect(try junk.receive()?.prefix(4) == [0, 5, 0, 4], "junk is answered with ERROR 4 (illegal operation)")
        #expect(try asker.receive()?.prefix(4) == [0, 5, 0, 1], "ERROR 1: file not found")
        // Served after them from the same queue: every datagram before it has been answered, or dropped.
        #expect(try TFTPClient.tftpHPA.fetch("file", port: server.tftpPort, output: dir.path + "/real").status == 0)
        let metrics = try server.curl("GET", "/metrics").1
        let notFound = metrics.split(separator: "\n").first { $0.hasPrefix("provisiond_tftp_errors_total{code=\"1\"} ") }
        let answered = try #require(notFound.flatMap { Int($0.split(separator: " ").last ?? "") })
        server.stop()
        let malformed = server.log.split(separator: "\n").filter { $0.contains("tftp-malformed") }
        // The first, then one per 1,000: 5 lines for 5,000 (fewer if the kernel dropped some).
        #expect((1...5).contains(malformed.count) && malformed[0].contains("peer=127.0.0.11:") && malformed[0].hasSuffix("total=1"), "\(malformed)")
        // 10 refusals in full an interval of 10 s (TFTPService.linesPerInterval; a slow run may
        // span two), the rest as counts; junk is no refusal.
        let refusals = RateLimitedLines(server.log, event: "tftp-refused")
        let intervals = Int(Date().timeIntervalSince(started) / 10) + 1
        #expect(answered > 1_000 && (10...10 * intervals).contains(refusals.full.count)
                    && refusals.counted == ["not_found": answered - refusals.full.count], "\(answered): \(refusals)")
        #expect(refusals.full.allSatisfy { $0.contains("peer=127.0.0.12:") && $0.contains("file=missing-") && $0.contains("code=1") })
    }

    @Test("1,100 unacknowledged RRQs from 110 other addresses: a real client's transfers all complete, and at most 3 DATA each")
    func floodDoesNotStopARealClient() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let attackers = try (1...110).map { try RawUDPClient(source: "127.0.3.\($0)") }
        let started = Date()
        let dropsCounted = { KernelPacketDrops.now { address, port in port == server.tftpPort || address.hasPrefix("127.0.3.") } }
        let dropsBefore = dropsCounted()
        let flooding = Flag()
        let flood = Thread {
            // About 200 requests a second: paced so every address stays under its 8 slots, as a
            // spoofing attacker would pace them to stay under the server's radar.
            for _ in 0..<10 {
                for (index, attacker) in attackers.enumerated() {
                    try? attacker.send(Self.rrq("file"), port: server.tftpPort)
                    if index % 10 == 9 { Thread.sleep(forTimeInterval: 0.05) }
                }
            }
            flooding.set(false)
        }
        flooding.set(true)
        flood.start()
        var fetches = 0
        while flooding.value || fetches == 0 {
            let output = dir.path + "/real-\(fetches)"
            let result = try TFTPClient.tftpHPA.fetch("file", port: server.tftpPort, output: output)
            #expect(result.status == 0 && (try? Data(contentsOf: URL(fileURLWithPath: output)).count) == 100_000,
                    "real client, fetch \(fetches): \(result.stderr)")
            fetches += 1
        }
        // Every attacker request ends in an ERROR (timed out, or busy); count what each got. A
        // request or ERROR the kernel dropped (a test flooding beside this one) never ends so:
        // the wait accepts as many fewer as the kernel counted drops, and no more.
        var data = 0
        var errors = 0
        var dropped = KernelPacketDrops(inputBacklog: 0, sockets: 0)
        // An attacker sends to port 69 only: a transfer of theirs that ended aborted got a request
        // meant for the listener (the transfer's socket shared its port), and answered two with one ERROR.
        let aborted = { server.log.split(separator: "\n").filter { $0.contains("tftp-aborted peer=127.0.3.") } }
        try poll("all 1,100 attacker requests to end (\(errors) ERRORs came, the kernel dropped \(dropped), aborted: \(aborted()))",
                 seconds: 60, every: 0.1) {
            for attacker in attackers {
                while let packet = try attacker.receive(wait: false) {
                    if packet.prefix(2) == [0, 3] { data += 1 }
                    if packet.prefix(2) == [0, 5] { errors += 1 }
                }
            }
            dropped = dropsCounted().since(dropsBefore)
            return errors >= 1_100 - dropped.total
        }
        if dropped.total > 0 { print("TFTPAmplificationTests: the kernel dropped \(dropped) meanwhile; \(errors) ERRORs came") }
        #expect(errors <= 1_100)
        #expect(data <= 3 * 1_100, "DATA packets sent to the attackers: \(data)")
        server.stop()
        #expect(!server.log.contains("tftp-sent peer=127.0.3."), "no attacker transfer completed")
        #expect(aborted().isEmpty, "\(aborted())")
        // Every attacker ERROR is a transfer that gave up or a request over its address's slots,
        // and each is in the log: a few lines in full, the rest as counts (an ERROR the kernel
        // dropped is logged, not received).
        let gaveUp = RateLimitedLines(server.log, event: "tftp-gave-up")
        let busy = RateLimitedLines(server.log, event: "tftp-busy")
        let intervals = Int(Date().timeIntervalSince(started) / 10) + 1
        #expect((errors...errors + dropped.total).contains(gaveUp.total + busy.total) && gaveUp.full.count <= 10 * intervals,
                "\(errors) ERRORs; gave up: \(gaveUp), busy: \(busy.counted)")
    }
}

/// A boolean shared between the flooding thread and the test.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var state = false
    var value: Bool { lock.withLock { state } }
    func set(_ value: Bool) { lock.withLock { state = value } }
}
