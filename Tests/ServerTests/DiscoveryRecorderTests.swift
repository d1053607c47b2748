import Inventory
import TestSupport
import Testing
import Wire

@testable import Server

/// What a stranger inventing MACs can make the boot plane write (DESIGN.md §11).
@Suite("DiscoveryRecorder bounds")
struct DiscoveryRecorderTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"))
    }

    private func recorder(discovered: Int, writesPerSecond: Double) -> DiscoveryRecorder {
        DiscoveryRecorder(inventory: inventory, limits: .init(discovered: discovered, writesPerSecond: writesPerSecond),
                          log: Logger(component: "discovery", minimum: .error))
    }

    private static func mac(_ n: Int) -> MACAddress { try! MACAddress(octets: [0x52, 0x54, 0x00, 0x55, UInt8(n >> 8), UInt8(n & 0xff)]) }

    @Test("beyond the limit the oldest discovered machines go; registered machines stay")
    func limit() throws {
        let registered = try inventory.register(Self.mac(0), MachineSpec(hostname: "keep", profile: "p"), source: "t")
        let recorder = recorder(discovered: 3, writesPerSecond: 10_000)
        for n in 1...10 { _ = try recorder.scriptRequested(by: Self.mac(n)) }
        for n in 11...12 { try sighted(recorder, Self.mac(n), Sighting(arch: 7), now: 1000 + n) }
        #expect(try inventory.machines().map(\.mac).sorted() == [registered.mac, Self.mac(10), Self.mac(11), Self.mac(12)].sorted())
    }

    /// What DHCPService does for a netboot client's request: asks, writes with its batch, tells.
    private func sighted(_ recorder: DiscoveryRecorder, _ mac: MACAddress, _ sighting: Sighting, now: Int) throws {
        guard recorder.sightingDue(mac, sighting, now: now) else { return }
        let discovered = try inventory.saveLeases([], sightings: [(mac, sighting)])
        try recorder.sightingsWritten([(mac, sighting)], discovered: discovered, now: now)
    }

    @Test("a sighting is due when new, when its facts change, or a minute after it was written")
    func sightingInterval() throws {
        let recorder = recorder(discovered: 10, writesPerSecond: 10_000)
        let mac = Self.mac(1)
        #expect(recorder.sightingDue(mac, Sighting(arch: 7), now: 1000))
        try sighted(recorder, mac, Sighting(arch: 7), now: 1000)
        #expect(try inventory.sighting(mac)?.arch == 7)
        #expect(try inventory.machine(mac)?.state == .discovered)
        #expect(!recorder.sightingDue(mac, Sighting(arch: 7), now: 1059))
        #expect(recorder.sightingDue(mac, Sighting(arch: 9), now: 1001))
        #expect(recorder.sightingDue(mac, Sighting(arch: 7), now: 1060))
    }

    @Test("writes over the budget are skipped: an unknown MAC is then served as unknown, not stored")
    func budget() throws {
        let recorder = recorder(discovered: 1000, writesPerSecond: 1)
        // A burst of twice the rate, then nothing until the bucket refills (a second per write).
        let answered = try (1...20).map { try recorder.scriptRequested(by: Self.mac($0)) != nil }
        #expect(answered.filter { $0 }.count == 2)
        #expect(try inventory.machines().count == 2)
        let known = try #require(try inventory.machines().first)
        #expect(try recorder.scriptRequested(by: known.mac) == known, "a known machine costs no write")
    }
}
