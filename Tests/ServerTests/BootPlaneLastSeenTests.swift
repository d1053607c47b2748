import Testing

@testable import Server

@Suite struct BootPlaneLastSeenTests {
    @Test func keepsTheLatestRequestPerMachine() {
        let book = BootPlaneLastSeen()
        book.record(mac: "52:54:00:00:00:01", request: "GET /boot.ipxe (200)", from: "10.0.0.5", at: "2026-11-30T02:00:00.000Z")
        book.record(mac: "52:54:00:00:00:01", request: "GET /cloud-init/52:54:00:00:00:01/user-data (200)", from: "10.0.0.6",
                    at: "2026-11-30T02:01:00.000Z")
        let seen = book.lastSeen("52:54:00:00:00:01")
        #expect(seen?.request == "GET /cloud-init/52:54:00:00:00:01/user-data (200)" && seen?.from == "10.0.0.6")
        #expect(book.lastSeen("52:54:00:00:00:02") == nil)
    }

    @Test func strangersCannotGrowItPastItsCapacity() {
        let book = BootPlaneLastSeen(capacity: 3)
        for index in 0..<10 {
            book.record(mac: "m\(index)", request: "GET /boot.ipxe (200)", from: "10.0.0.9", at: "2026-11-30T02:00:0\(index).000Z")
        }
        // The oldest gave way; the newest three are there.
        #expect((0..<7).allSatisfy { book.lastSeen("m\($0)") == nil })
        #expect((7..<10).allSatisfy { book.lastSeen("m\($0)") != nil })
    }
}
