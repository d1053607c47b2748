import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

/// What is acknowledged is on disk: kill -9 in the middle of a burst of registrations, restart,
/// and every machine that got a 201 is there with its event.
@Suite(.timeLimit(.minutes(5))) struct DurabilityTests {
    @Test func killNineDuringBurstLosesNoAcknowledgedRegistration() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)
        let port = server.adminPort
        let token = server.token
        let acknowledged = AcknowledgedMACs()

        let writers = DispatchGroup()
        for writer in 0..<8 {
            DispatchQueue.global().async(group: writers) {
                guard let client = try? RawHTTPClient(port: port, timeoutSeconds: 5) else { return }
                for number in 0..<10_000 {
                    let mac = String(format: "52:54:02:%02x:%02x:%02x", writer, number >> 8, number & 0xFF)
                    let body = #"{"mac":"\#(mac)","hostname":"w\#(writer)-\#(number)","profile":"p"}"#
                    do {
                        try client.send("POST /api/v1/machines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                        guard let response = try client.readResponse() else { return }
                        if response.status == 201 { acknowledged.add(mac) }
                    } catch {
                        return
                    }
                }
            }
        }
        // Kill once a good number are acknowledged, while the writers are still going.
        let deadline = Date().addingTimeInterval(60)
        while acknowledged.count < 300 && Date() < deadline { usleep(2_000) }
        #expect(server.stop(signal: SIGKILL) == SIGKILL)
        writers.wait()
        let acked = acknowledged.all
        #expect(acked.count >= 300)

        let restarted = try ServerProcess(dataDir: dir.path)
        let (status, list) = try restarted.curl("GET", "/api/v1/machines")
        #expect(status == 200)
        let stored = Set((try JSONParser.parse(list)["machines"]?.arrayValue ?? []).compactMap { $0["mac"]?.stringValue })
        let missing = acked.subtracting(stored)
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.sorted().prefix(5))")
        // Each stored machine came with its register event in the same transaction.
        let sample = try #require(acked.sorted().last)
        let (_, events) = try restarted.curl("GET", "/api/v1/machines/\(sample)/events")
        #expect(try JSONParser.parse(events)["events"]?.arrayValue?.first?["event"] == .string("register"))
        restarted.stop()

        // The database is sound.
        let inventory = try Inventory(path: dir.path + "/provision.db")
        #expect(try inventory.machines().count == stored.count)
    }

    @Test func sigtermStopsCleanlyAndRestartKeepsDataAndToken() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let first = try ServerProcess(dataDir: dir.path)
        let token = first.token
        #expect(token.count == 64)
        #expect(try first.ctl(["register", "52:54:03:00:00:01", "--hostname", "keep", "--profile", "p"]).status == 0)
        #expect(first.stop(signal: SIGTERM) == 0)
        #expect(first.log.contains(" stopped"))

        let second = try ServerProcess(dataDir: dir.path)
        #expect(second.token == token)
        #expect(!second.log.contains("admin-token-created"))
        let shown = try second.ctl(["show", "52:54:03:00:00:01", "--json"])
        #expect(try JSONParser.parse(shown.stdout)["hostname"] == .string("keep"))
        #expect(second.stop(signal: SIGINT) == 0)
    }
}

final class AcknowledgedMACs: @unchecked Sendable {
    private let lock = NSLock()
    private var macs: Set<String> = []
    func add(_ mac: String) { _ = lock.withLock { macs.insert(mac) } }
    var count: Int { lock.withLock { macs.count } }
    var all: Set<String> { lock.withLock { macs } }
}
