import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: update, delete and listing")
struct InventoryUpdateTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    @Test("update changes fields and records an update event")
    func update() throws {
        let before = try inventory.register(testMAC(1), spec("a", role: "agent", labels: ["x": "1"]), source: "t")
        let after = try inventory.update(testMAC(1), MachinePatch(
            hostname: "B", profile: "debian-12", ip: .some(ip("10.0.0.2")), labels: ["y": "2"], nics: [testMAC(5)]), source: "operator")
        #expect(after.hostname == "b")
        #expect(after.profile == "debian-12")
        #expect(after.role == "agent")
        #expect(after.ip == ip("10.0.0.2"))
        #expect(after.labels == ["y": "2"])
        #expect(after.nics == [testMAC(5)])
        #expect(after.state == before.state)
        #expect(after.instanceID == before.instanceID)
        #expect(after.createdAt == before.createdAt)
        #expect(try inventory.machine(testMAC(1)) == after)
        #expect(try inventory.machine(testMAC(5))?.mac == testMAC(1))
        let last = try #require(try inventory.events(testMAC(1)).last)
        #expect(last.event == "update")
        #expect(last.source == "operator")
        #expect(last.from == .registered && last.to == .registered)
        #expect(last.detail.contains("hostname: a -> b"))
        #expect(last.detail.contains("profile: ubuntu-24.04 -> debian-12"))
    }

    @Test("an empty patch is invalid and records nothing")
    func emptyPatch() throws {
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        #expect(MachinePatch().isEmpty)
        #expect(inventoryError { () throws(InventoryError) in try inventory.update(testMAC(1), MachinePatch(), source: "t") }?.invalidMessage != nil)
        #expect(try inventory.events(testMAC(1)).count == 1)
    }

    @Test(".some(nil) clears an optional field; nil leaves it")
    func clearing() throws {
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        _ = try inventory.register(testMAC(1), spec("a", role: "server", cluster: "lab", ip: ip("10.0.0.9")), source: "t")
        let patch = MachinePatch(cluster: .some(nil))
        #expect(!patch.isEmpty)
        let after = try inventory.update(testMAC(1), patch, source: "t")
        #expect(after.cluster == nil)
        #expect(after.role == "server")
        #expect(after.ip == ip("10.0.0.9"))
        #expect(try inventory.machine(testMAC(1))?.cluster == nil)
        let cleared = try inventory.update(testMAC(1), MachinePatch(role: .some(nil), ip: .some(nil)), source: "t")
        #expect(cleared.role == nil && cleared.ip == nil)
        #expect(try inventory.machine(testMAC(1)) == cleared)
        // The IP is free again.
        _ = try inventory.register(testMAC(2), spec("b", ip: ip("10.0.0.9")), source: "t")
    }

    @Test("update refuses values another machine has, and invalid ones")
    func updateConflicts() throws {
        _ = try inventory.register(testMAC(1), spec("a", ip: ip("10.0.0.1"), nics: [testMAC(11)]), source: "t")
        let b = try inventory.register(testMAC(2), spec("b"), source: "t")
        for patch in [MachinePatch(hostname: "A"), MachinePatch(ip: .some(ip("10.0.0.1"))), MachinePatch(nics: [testMAC(11)]),
                      MachinePatch(nics: [testMAC(1)])] {
            #expect(inventoryError { () throws(InventoryError) in try inventory.update(testMAC(2), patch, source: "t") }?.conflictMessage != nil)
        }
        for patch in [MachinePatch(hostname: "no_way"), MachinePatch(profile: "UP"), MachinePatch(role: .some("Bad Role")),
                      MachinePatch(nics: [testMAC(2)])] {
            #expect(inventoryError { () throws(InventoryError) in try inventory.update(testMAC(2), patch, source: "t") }?.invalidMessage != nil)
        }
        #expect(try inventory.machine(testMAC(2)) == b)
        #expect(try inventory.events(testMAC(2)).count == 1)
        // Keeping one's own hostname is not a conflict with oneself.
        #expect(try inventory.update(testMAC(2), MachinePatch(hostname: "b"), source: "t").hostname == "b")
    }

    @Test("update of an unknown machine is notFound")
    func updateUnknown() {
        #expect(inventoryError { () throws(InventoryError) in try inventory.update(testMAC(9), MachinePatch(profile: "x"), source: "t") }
            == .notFound(testMAC(9)))
    }

    @Test("delete removes the machine, its NICs, labels and events")
    func delete() throws {
        try bring(inventory, testMAC(1), to: .installing, hostname: "a")
        _ = try inventory.update(testMAC(1), MachinePatch(labels: ["k": "v"], nics: [testMAC(11)]), source: "t")
        let other = try inventory.register(testMAC(2), spec("b"), source: "t")
        try inventory.delete(testMAC(1))
        #expect(try inventory.machine(testMAC(1)) == nil)
        #expect(try inventory.machine(testMAC(11)) == nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.events(testMAC(1)) } == .notFound(testMAC(1)))
        #expect(try inventory.machines() == [other])
        let path = directory.databasePath
        #expect(try rows(path, "SELECT COUNT(*) FROM events WHERE mac = '\(testMAC(1))'") == [["0"]])
        #expect(try rows(path, "SELECT COUNT(*) FROM machine_nics") == [["0"]])
        #expect(try rows(path, "SELECT COUNT(*) FROM machine_labels") == [["0"]])
        // Hostname and NIC are free again.
        _ = try inventory.register(testMAC(3), spec("a", nics: [testMAC(11)]), source: "t")
        #expect(inventoryError { () throws(InventoryError) in try inventory.delete(testMAC(1)) } == .notFound(testMAC(1)))
    }

    @Test("delete through a NIC MAC deletes the owner")
    func deleteThroughNIC() throws {
        _ = try inventory.register(testMAC(1), spec("a", nics: [testMAC(11)]), source: "t")
        try inventory.delete(testMAC(11))
        #expect(try inventory.machines().isEmpty)
    }

    @Test("machines(state:) filters, ordered by MAC, with NICs and labels")
    func listing() throws {
        _ = try inventory.register(testMAC(3), spec("c", labels: ["l": "3"], nics: [testMAC(33)]), source: "t")
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        try bring(inventory, testMAC(2), to: .booting, hostname: "b")
        _ = try inventory.discover(testMAC(5), source: "dhcp", detail: "")
        _ = try inventory.discover(testMAC(4), source: "dhcp", detail: "")
        #expect(try inventory.machines().map(\.mac) == [1, 2, 3, 4, 5].map(testMAC))
        #expect(try inventory.machines(state: .registered).map(\.mac) == [testMAC(1), testMAC(3)])
        #expect(try inventory.machines(state: .discovered).map(\.mac) == [testMAC(4), testMAC(5)])
        #expect(try inventory.machines(state: .booting).map(\.hostname) == ["b"])
        #expect(try inventory.machines(state: .ready).isEmpty)
        let c = try #require(try inventory.machines(state: .registered).last)
        #expect(c.nics == [testMAC(33)])
        #expect(c.labels == ["l": "3"])
        #expect(try inventory.machines() .first { $0.mac == testMAC(3) } == inventory.machine(testMAC(3)))
    }
}
