import Synchronization
import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: discover and adopt")
struct InventoryDiscoveryTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    @Test("discover records an unknown MAC as discovered")
    func discover() throws {
        let machine = try inventory.discover(testMAC(1), source: "dhcp", detail: "arch=7 uuid=abc")
        #expect(machine.state == .discovered)
        #expect(machine.hostname == nil)
        #expect(machine.profile == nil)
        #expect(try inventory.machine(testMAC(1)) == machine)
        let events = try inventory.events(testMAC(1))
        #expect(events.map(\.event) == ["discover"])
        #expect(events.first?.to == .discovered)
        #expect(events.first?.detail == "arch=7 uuid=abc")
    }

    @Test("pruning keeps the newest discovered machines, never a registered one, and tells observers")
    func pruneDiscovered() throws {
        let registered = try inventory.register(testMAC(1), spec("a"), source: "t")
        for n in 2...6 { _ = try inventory.discover(testMAC(n), source: "dhcp", detail: "") }
        let told = Mutex<[String]>([])
        inventory.observe { change in told.withLock { $0.append("\(change.event) \(change.machine.mac)") } }
        let pruned = try inventory.pruneDiscovered(keeping: 2)
        #expect(pruned.map(\.mac) == [testMAC(2), testMAC(3), testMAC(4)])
        #expect(try inventory.machines().map(\.mac).sorted() == [registered.mac, testMAC(5), testMAC(6)].sorted())
        #expect(told.withLock { $0 } == pruned.map { "prune \($0.mac)" })
        #expect(try inventory.pruneDiscovered(keeping: 2).isEmpty)
    }

    @Test("a machine keeps its newest events up to the cap")
    func eventCap() throws {
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        let extra = 5
        for n in 1...(EventRows.keptPerMachine + extra - 1) { try inventory.record("note", for: testMAC(1), source: "t", detail: "\(n)") }
        let events = try inventory.events(testMAC(1))
        #expect(events.count == EventRows.keptPerMachine)
        #expect(events.first?.detail == "\(extra)")
        #expect(events.last?.detail == "\(EventRows.keptPerMachine + extra - 1)")
    }

    @Test("discover of a known MAC returns it and records nothing")
    func discoverKnown() throws {
        let registered = try inventory.register(testMAC(1), spec("a", nics: [testMAC(2)]), source: "t")
        #expect(try inventory.discover(testMAC(1), source: "dhcp", detail: "") == registered)
        #expect(try inventory.discover(testMAC(2), source: "dhcp", detail: "") == registered)
        let first = try inventory.discover(testMAC(3), source: "dhcp", detail: "")
        #expect(try inventory.discover(testMAC(3), source: "dhcp", detail: "again") == first)
        #expect(try inventory.events(testMAC(1)).count == 1)
        #expect(try inventory.events(testMAC(3)).count == 1)
        #expect(try inventory.machines().count == 2)
    }

    @Test("register on a discovered MAC is a conflict that says adopt")
    func registerDiscovered() throws {
        _ = try inventory.discover(testMAC(1), source: "dhcp", detail: "")
        let error = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(1), spec("a"), source: "t") }
        #expect(error?.conflictMessage?.contains("adopt") == true)
        #expect(try inventory.machine(testMAC(1))?.state == .discovered)
    }

    @Test("adopt moves discovered to registered with the operator's fields")
    func adopt() throws {
        let discovered = try inventory.discover(testMAC(1), source: "dhcp", detail: "")
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        let adopted = try inventory.adopt(testMAC(1), spec(
            "Worker-7", profile: "k3s-agent", role: "agent", cluster: "lab", ip: ip("10.0.0.7"), labels: ["gpu": "no"],
            nics: [testMAC(2)]), source: "operator")
        #expect(adopted.state == .registered)
        #expect(adopted.hostname == "worker-7")
        #expect(adopted.profile == "k3s-agent")
        #expect(adopted.role == "agent")
        #expect(adopted.cluster == "lab")
        #expect(adopted.ip == ip("10.0.0.7"))
        #expect(adopted.labels == ["gpu": "no"])
        #expect(adopted.nics == [testMAC(2)])
        #expect(adopted.instanceID == discovered.instanceID)
        #expect(adopted.createdAt == discovered.createdAt)
        #expect(try inventory.machine(testMAC(1)) == adopted)
        #expect(try inventory.machine(testMAC(2))?.mac == testMAC(1))
        let events = try inventory.events(testMAC(1))
        #expect(events.map(\.event) == ["discover", "adopt"])
        #expect(events.last?.from == .discovered)
        #expect(events.last?.to == .registered)
        #expect(events.last?.source == "operator")
    }

    @Test("adopt of a machine that is not discovered is refused and changes nothing")
    func adoptRegistered() throws {
        let registered = try inventory.register(testMAC(1), spec("a"), source: "t")
        let error = inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(1), spec("b"), source: "t") }
        #expect(error?.lifecycleError == LifecycleError(event: .adopt, state: .registered))
        #expect(try inventory.machine(testMAC(1)) == registered)
        #expect(try inventory.events(testMAC(1)).count == 1)
    }

    @Test("adopt checks uniqueness and validity")
    func adoptConflicts() throws {
        _ = try inventory.register(testMAC(1), spec("taken", ip: ip("10.0.0.1")), source: "t")
        let discovered = try inventory.discover(testMAC(2), source: "dhcp", detail: "")
        #expect(inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(2), spec("TAKEN"), source: "t") }?.conflictMessage != nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(2), spec("b", ip: ip("10.0.0.1")), source: "t") }?
            .conflictMessage != nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(2), spec("b", nics: [testMAC(1)]), source: "t") }?
            .conflictMessage != nil)
        #expect(inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(2), spec("b_ad"), source: "t") }?.invalidMessage != nil)
        #expect(try inventory.machine(testMAC(2)) == discovered)
        #expect(try inventory.events(testMAC(2)).count == 1)
    }

    @Test("adopt of an unknown MAC is notFound")
    func adoptUnknown() {
        #expect(inventoryError { () throws(InventoryError) in try inventory.adopt(testMAC(9), spec("x"), source: "t") } == .notFound(testMAC(9)))
    }
}
