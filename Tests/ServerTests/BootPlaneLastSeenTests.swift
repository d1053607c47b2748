import Net
import Testing

@testable import Server

@Suite struct BootPlaneLastSeenTests {
    private func request(_ path: String, from: String, at: Int) throws -> BootPlaneLastSeen.Request {
        .init(method: "GET", path: path, status: 200, from: try SocketAddress("\(from):40000"), at: at)
    }

    @Test func keepsTheLatestRequestPerMachine() throws {
        let book = BootPlaneLastSeen()
        // 2026-11-30T02:00:00.000Z and a minute and 7 ms later.
        book.record(mac: "52:54:00:00:00:01", try request("/boot.ipxe", from: "10.0.0.5", at: 1_796_004_000_000))
        book.record(mac: "52:54:00:00:00:01", try request("/cloud-init/52:54:00:00:00:01/user-data", from: "10.0.0.6", at: 1_796_004_060_007))
        let seen = book.lastSeen("52:54:00:00:00:01")
        #expect(seen?.request == "GET /cloud-init/52:54:00:00:00:01/user-data (200)" && seen?.from == "10.0.0.6")
        #expect(seen?.at == "2026-11-30T02:01:00.007Z")
        #expect(book.lastSeen("52:54:00:00:00:02") == nil)
    }

    @Test func strangersCannotGrowItPastItsCapacity() throws {
        let book = BootPlaneLastSeen(capacity: 3)
        for index in 0..<10 {
            book.record(mac: "m\(index)", try request("/boot.ipxe", from: "10.0.0.9", at: 1_796_004_000_000 + index * 1000))
        }
        // The oldest gave way; the newest three are there.
        #expect((0..<7).allSatisfy { book.lastSeen("m\($0)") == nil })
        #expect((7..<10).allSatisfy { book.lastSeen("m\($0)") != nil })
    }
}
