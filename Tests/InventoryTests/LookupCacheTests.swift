import TestSupport
import Testing
import Wire
@testable import Inventory

/// The lookups the boot plane makes on every request are answered from memory until the next
/// write: every answer must be what a read of the database gives at that moment.
@Suite("Inventory: lookup cache")
struct LookupCacheTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath, keepsLookups: true)
    }

    /// What the database says now, read past the cache on a connection of its own.
    private func stored(_ mac: MACAddress) throws -> Machine? {
        let pool = ReadPool(path: directory.databasePath, capacity: 1)
        return try pool.read { (database: Database) throws(InventoryError) -> Machine? in try MachineRows.load(database, matching: mac) } ?? nil
    }

    @Test("each write is seen by the next lookup: machine, cluster, facts, leased addresses")
    func followsWrites() throws {
        let mac = testMAC(1)
        #expect(try inventory.machine(mac) == nil)
        _ = try inventory.register(mac, spec("one"), source: "t")
        #expect(try inventory.machine(mac)?.hostname == "one")
        #expect(try inventory.machine(mac) == stored(mac))
        #expect(inventory.lookups.count == 1)
        _ = try inventory.update(mac, MachinePatch(hostname: "two"), source: "t")
        #expect(try inventory.machine(mac)?.hostname == "two")
        _ = try inventory.apply(.bootInstall, to: mac, source: "t")
        #expect(try inventory.machine(mac)?.state == .booting)
        #expect(try inventory.machine(mac) == stored(mac))

        _ = try inventory.createCluster(ClusterSpec(name: "c1", kind: .k3s), source: "t")
        let member = try inventory.update(mac, MachinePatch(role: "server", cluster: "c1"), source: "t")
        #expect(try inventory.cluster(of: member) == inventory.clusterWithMembers(named: "c1").0)

        #expect(try inventory.facts(of: mac) == nil)
        let facts = try inventory.recordFacts(InventoryFactsTests.facts(threads: 4), for: mac, source: "t")
        #expect(try inventory.facts(of: mac) == facts)

        let now = Timestamp.unixNow()
        #expect(try inventory.leasedAddresses(of: member, now: now) == [])
        _ = try inventory.saveLeases([Lease(ip: ip("10.0.0.9"), mac: mac, state: .bound, expires: now + 600)])
        #expect(try inventory.leasedAddresses(of: member, now: now) == [ip("10.0.0.9")])
    }

    @Test("a leased address is given until its lease expires, not until the next write")
    func leasesExpire() throws {
        let mac = testMAC(2)
        let machine = try inventory.register(mac, spec("two"), source: "t")
        let now = Timestamp.unixNow()
        _ = try inventory.saveLeases([Lease(ip: ip("10.0.0.10"), mac: mac, state: .bound, expires: now + 100),
                                      Lease(ip: ip("10.0.0.11"), mac: mac, state: .bound, expires: now + 200)])
        #expect(Set(try inventory.leasedAddresses(of: machine, now: now)) == [ip("10.0.0.10"), ip("10.0.0.11")])
        #expect(Set(try inventory.leasedAddresses(of: machine, now: now + 99)) == [ip("10.0.0.10"), ip("10.0.0.11")])
        #expect(try inventory.leasedAddresses(of: machine, now: now + 100) == [ip("10.0.0.11")])
        #expect(try inventory.leasedAddresses(of: machine, now: now + 200) == [])
    }

    @Test("an answer read while a write committed is not kept")
    func racingWrite() throws {
        let cache = LookupCache()
        let first: Int = try cache.answer(.cluster("c")) { () throws(InventoryError) in
            cache.writeCommitted()
            return 1
        }
        #expect(first == 1 && cache.count == 0)
        let second: Int = try cache.answer(.cluster("c")) { () throws(InventoryError) in 2 }
        let third: Int = try cache.answer(.cluster("c")) { () throws(InventoryError) in 3 }
        #expect(second == 2 && third == 2)
    }

    @Test("an inventory that does not own the database reads afresh: another's writes are seen at once")
    func notOwner() throws {
        let mac = testMAC(3)
        let observer = try Inventory(path: directory.databasePath)
        #expect(try observer.machine(mac) == nil)
        _ = try inventory.register(mac, spec("three"), source: "t")
        #expect(try observer.machine(mac)?.hostname == "three")
        _ = try inventory.update(mac, MachinePatch(hostname: "four"), source: "t")
        #expect(try observer.machine(mac)?.hostname == "four")
        #expect(observer.lookups.count == 0)
    }

    @Test("a failed lookup is not kept, and the cache is bounded")
    func errorsAndCapacity() throws {
        let cache = LookupCache(capacity: 3)
        #expect(throws: InventoryError.self) {
            let _: Int = try cache.answer(.cluster("c")) { () throws(InventoryError) in throw .invalid("disk on fire") }
        }
        #expect(cache.count == 0)
        for index in 0..<10 {
            let value: Int = try cache.answer(.machine(testMAC(index))) { () throws(InventoryError) in index }
            #expect(value == index)
            #expect(cache.count <= 3)
        }
    }
}
