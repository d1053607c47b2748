import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: register and look up")
struct InventoryRegisterTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    private func isLowerHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    @Test("register then look up")
    func registerAndLookUp() throws {
        let mac = try MACAddress("52:54:00:AA:BB:01")
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        let registered = try inventory.register(mac, spec(
            "Node-01", profile: "k3s-server", role: "server", cluster: "lab", ip: ip("10.0.0.11"),
            labels: ["zone": "a"], nics: [testMAC(9), testMAC(8)]), source: "api")
        let found = try #require(try inventory.machine(mac))
        #expect(found == registered)
        #expect(found.mac == mac)
        #expect(found.hostname == "node-01")
        #expect(found.profile == "k3s-server")
        #expect(found.role == "server")
        #expect(found.cluster == "lab")
        #expect(found.ip == ip("10.0.0.11"))
        #expect(found.labels == ["zone": "a"])
        #expect(found.nics == [testMAC(8), testMAC(9)])
        #expect(found.state == .registered)
        #expect(found.instanceID.hasPrefix("i-"))
        #expect(found.instanceID.count == 18)
        #expect(isLowerHex(found.instanceID.dropFirst(2)))
        #expect(found.installToken.count == 64)
        #expect(isLowerHex(found.installToken))
        #expect(found.createdAt == found.updatedAt)
        #expect(found.createdAt.hasSuffix("Z"))

        let events = try inventory.events(mac)
        // The cluster's first server: registering it also records that choice.
        #expect(events.map(\.event) == ["register", "k3s-first-server"])
        let event = try #require(events.first)
        #expect(event.event == "register")
        #expect(event.from == nil)
        #expect(event.to == .registered)
        #expect(event.source == "api")
        #expect(event.mac == mac)
        #expect(event.detail.contains("node-01"))
    }

    @Test("two machines get different instance ids and tokens")
    func secretsDiffer() throws {
        let a = try inventory.register(testMAC(1), spec("a"), source: "t")
        let b = try inventory.register(testMAC(2), spec("b"), source: "t")
        #expect(a.instanceID != b.instanceID)
        #expect(a.installToken != b.installToken)
    }

    @Test("an unknown MAC is nil; its events are notFound")
    func unknown() throws {
        #expect(try inventory.machine(testMAC(404)) == nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.events(testMAC(404)) } == .notFound(testMAC(404)))
        #expect(inventoryError { () throws(InventoryError) in try inventory.apply(.bootInstall, to: testMAC(404), source: "t") }
            == .notFound(testMAC(404)))
    }

    @Test("a duplicate MAC is a conflict")
    func duplicateMAC() throws {
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        let error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(1), spec("b"), source: "t") }
        #expect(error?.conflictMessage?.contains(testMAC(1).description) == true)
        #expect(try inventory.machines().count == 1)
    }

    @Test("a duplicate hostname is a conflict, whatever its case")
    func duplicateHostname() throws {
        _ = try inventory.register(testMAC(1), spec("node1"), source: "t")
        let error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(2), spec("NODE1"), source: "t") }
        #expect(error?.conflictMessage?.contains("node1") == true)
        #expect(try inventory.machine(testMAC(2)) == nil)
    }

    @Test("a duplicate IP is a conflict")
    func duplicateIP() throws {
        _ = try inventory.register(testMAC(1), spec("a", ip: ip("10.0.0.5")), source: "t")
        let error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(2), spec("b", ip: ip("10.0.0.5")), source: "t") }
        #expect(error?.conflictMessage?.contains("10.0.0.5") == true)
        #expect(try inventory.machine(testMAC(2)) == nil)
        // Machines without an IP do not collide with each other.
        _ = try inventory.register(testMAC(3), spec("c"), source: "t")
        _ = try inventory.register(testMAC(4), spec("d"), source: "t")
    }

    @Test("a NIC already belonging to another machine is a conflict, either way round")
    func nicConflicts() throws {
        _ = try inventory.register(testMAC(1), spec("a", nics: [testMAC(11)]), source: "t")
        // New machine lists a's extra NIC.
        var error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(2), spec("b", nics: [testMAC(11)]), source: "t") }
        #expect(error?.conflictMessage != nil)
        // New machine lists a's primary MAC as a NIC.
        error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(2), spec("b", nics: [testMAC(1)]), source: "t") }
        #expect(error?.conflictMessage != nil)
        // New machine's primary MAC is a's extra NIC.
        error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(11), spec("b"), source: "t") }
        #expect(error?.conflictMessage?.contains(testMAC(1).description) == true)
        #expect(try inventory.machine(testMAC(2)) == nil)
        #expect(try inventory.machines().count == 1)
    }

    @Test("a NIC MAC finds the machine that owns it")
    func lookupByNIC() throws {
        let owner = try inventory.register(testMAC(1), spec("a", nics: [testMAC(21), testMAC(22)]), source: "t")
        #expect(try inventory.machine(testMAC(21)) == owner)
        #expect(try inventory.machine(testMAC(22))?.mac == testMAC(1))
        #expect(try inventory.events(testMAC(22)).map(\.event) == ["register"])
    }

    @Test("multicast, broadcast and zero MACs are invalid", arguments: ["01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00"])
    func nonUnicast(_ text: String) throws {
        let mac = try MACAddress(text)
        #expect(inventoryError { () throws(InventoryError) in try inventory.register(mac, spec("a"), source: "t") }?.invalidMessage != nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.register(testMAC(1), spec("a", nics: [mac]), source: "t") }?
            .invalidMessage != nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.discover(mac, source: "dhcp", detail: "") }?.invalidMessage != nil)
        #expect(try inventory.machines().isEmpty)
    }

    @Test("bad fields are invalid", arguments: [
        spec("bad_host"), spec(""), spec("ok", profile: "Ubuntu"), spec("ok", profile: ""), spec("ok", role: "Server"),
        spec("ok", cluster: "lab cluster"), spec("ok", labels: ["bad key": "v"]), spec("ok", nics: [testMAC(5), testMAC(5)]),
        spec("ok", nics: [testMAC(1)]),
    ])
    func invalidSpec(_ spec: MachineSpec) throws {
        let error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(1), spec, source: "t") }
        #expect(error?.invalidMessage != nil)
        #expect(try inventory.machine(testMAC(1)) == nil)
    }
}
