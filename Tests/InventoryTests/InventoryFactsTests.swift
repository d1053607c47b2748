import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: hardware facts")
struct InventoryFactsTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    static func facts(threads: Int, disks: [String] = ["sda"]) -> HardwareFacts {
        HardwareFacts(
            environment: "0123456789abcdef", system: .init(vendor: "Acme", product: "R1", serial: nil, uuid: nil),
            firmware: .init(mode: .uefi, secureBoot: true), cpu: .init(model: "x", sockets: 1, cores: threads / 2, threads: threads),
            memory: .init(totalBytes: 8 << 30),
            disks: disks.map { .init(name: $0, path: "/dev/\($0)", byID: [], sizeBytes: 1 << 40, model: nil, serial: nil, rotational: false,
                                     removable: false, transport: .nvme, partitionTable: nil) },
            nics: [.init(name: "eno1", mac: testMAC(1), driver: "igb", link: true, speedMbps: 1000)])
    }

    @Test("facts are kept per machine, the latest replaces the earlier, each with an event; the state stays")
    func recordAndReplace() throws {
        let mac = testMAC(1)
        _ = try inventory.register(mac, spec("n1"), source: "t")
        #expect(try inventory.facts(of: mac) == nil)
        try inventory.recordFacts(Self.facts(threads: 4), for: mac, source: "http")
        let stored = try inventory.recordFacts(Self.facts(threads: 8, disks: ["nvme0n1", "nvme1n1"]), for: mac, source: "http")
        #expect(try inventory.facts(of: mac) == stored)
        #expect(stored.facts.cpu.threads == 8)
        let events = try inventory.events(mac).filter { $0.event == "commissioned" }
        #expect(events.map(\.detail) == ["Acme R1, uefi, 4 CPUs, 8192 MiB, disks: sda 1024 GiB, 1 NICs",
                                         "Acme R1, uefi, 8 CPUs, 8192 MiB, disks: nvme0n1 1024 GiB, nvme1n1 1024 GiB, 1 NICs"])
        #expect(events.allSatisfy { $0.from == .registered && $0.to == .registered && $0.source == "http" })
        #expect(try inventory.machine(mac)?.state == .registered)
    }

    @Test("an extra NIC finds the machine's facts; deleting the machine deletes them; unknown MACs are not found")
    func lookUpAndCascade() throws {
        let mac = testMAC(2)
        _ = try inventory.register(mac, spec("n2", nics: [testMAC(3)]), source: "t")
        try inventory.recordFacts(Self.facts(threads: 2), for: testMAC(3), source: "http")
        #expect(try inventory.facts(of: mac)?.facts.cpu.threads == 2)
        try inventory.delete(mac)
        _ = try inventory.register(mac, spec("n2"), source: "t")
        #expect(try inventory.facts(of: mac) == nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.facts(of: testMAC(99)) } == .notFound(testMAC(99)))
        #expect(inventoryError { () throws(InventoryError) in try inventory.recordFacts(Self.facts(threads: 1), for: testMAC(99), source: "http") } == .notFound(testMAC(99)))
    }
}
