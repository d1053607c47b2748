import Dispatch
import Synchronization
import TestSupport
import Testing
import Wire
@testable import Inventory

/// Lookups run on read connections beside the writer (WAL): they must see every write that
/// returned before they began, and a read connection must not write.
@Suite("Inventory: read connections")
struct ReadPoolTests {
    @Test("a lookup sees each write as soon as it returned, from any thread, while writes go on")
    func readsSeeCommittedWrites() throws {
        let directory = try TemporaryDirectory()
        // As provisiond opens it: lookups kept in memory must follow every write too.
        let inventory = try Inventory(path: directory.databasePath, keepsLookups: true)
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<25 {
                let mac = testMAC(thread * 100 + index)
                do {
                    _ = try inventory.register(mac, spec("node-\(thread)-\(index)"), source: "t")
                    guard try inventory.machine(mac)?.state == .registered else { throw InventoryError.notFound(mac) }
                    _ = try inventory.apply(.bootInstall, to: mac, source: "t")
                    let state = try inventory.machine(mac)?.state
                    if state != .booting { errors.withLock { $0.append("\(mac): \(state.map(\.rawValue) ?? "missing") after boot-install") } }
                } catch {
                    errors.withLock { $0.append("\(mac): \(error)") }
                }
            }
        }
        #expect(errors.withLock { $0 } == [])
    }

    @Test("more readers at once than connections: the rest read on the writer's queue")
    func overflowFallsBack() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        let pool = ReadPool(path: directory.databasePath, capacity: 1)
        let inner: Int?? = try pool.read { (_: Database) throws(InventoryError) -> Int? in
            try pool.read { (_: Database) throws(InventoryError) -> Int in 1 }
        }
        // The outer read holds the only connection: the inner one is told to go elsewhere.
        #expect(inner == .some(nil))
        let hostname: String?? = try pool.read { (database: Database) throws(InventoryError) -> String? in
            try MachineRows.load(database, matching: testMAC(1))?.hostname
        }
        #expect(hostname == .some("a"))
    }

    @Test("a read connection refuses writes")
    func readOnly() throws {
        let directory = try TemporaryDirectory()
        _ = try Inventory(path: directory.databasePath)
        let pool = ReadPool(path: directory.databasePath, capacity: 1)
        let refused: Bool? = try pool.read { (database: Database) throws(InventoryError) -> Bool in
            do {
                try database.execute("DELETE FROM machines")
                return false
            } catch {
                return true
            }
        }
        #expect(refused == true)
    }
}
