import Dispatch
import Synchronization
import TestSupport
import Testing
import Wire
@testable import Inventory

/// Writes from many threads share commits (`Inventory.write`): each write is still atomic on its
/// own, one write's error undoes that write alone, and every write is committed when it returns.
@Suite("Inventory: group commit")
struct GroupCommitTests {
    private enum Outcome: Equatable {
        case landed, refused
        case wrong(String)
    }

    /// One write that inserts a settings row and, when `fails`, throws after the insert.
    private static func insert(_ inventory: Inventory, key: String, value: String, fails: Bool) -> Outcome {
        do throws(InventoryError) {
            try inventory.write { (database: Database) throws(InventoryError) -> Void in
                try database.statement("INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, 'now')")
                    .bind(.text(key), .text(value)).run()
                if fails { throw InventoryError.invalid("refused \(key)") }
            }
            return .landed
        } catch {
            if case .invalid(let message) = error, message == "refused \(key)" { return .refused }
            return .wrong("\(key): \(error)")
        }
    }

    @Test("failing writes mixed into concurrent commits undo only themselves")
    func failuresStayApart() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        let outcomes = Mutex<[Outcome]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<40 {
                // Every third write fails after its insert: the insert must go with it.
                let outcome = Self.insert(inventory, key: "k-\(thread)-\(index)", value: String(index % 3), fails: index % 3 == 0)
                outcomes.withLock { $0.append(outcome) }
            }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.filter { $0 != .landed && $0 != .refused } == [])
        #expect(all.filter { $0 == .landed }.count == 8 * 26)
        #expect(all.filter { $0 == .refused }.count == 8 * 14)
        #expect(try rows(directory.databasePath, "SELECT count(*) FROM settings WHERE key LIKE 'k-%'") == [["\(8 * 26)"]])
        #expect(try rows(directory.databasePath, "SELECT count(*) FROM settings WHERE key LIKE 'k-%' AND value = '0'") == [["0"]])
    }

    @Test("a write's value comes back to its caller, and a reopened database holds every returned write")
    func durableAndTyped() throws {
        let directory = try TemporaryDirectory()
        do {
            let inventory = try Inventory(path: directory.databasePath)
            let errors = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 4) { thread in
                for index in 0..<25 {
                    do {
                        let machine = try inventory.register(testMAC(thread * 1000 + index), spec("n-\(thread)-\(index)"), source: "t")
                        if machine.hostname != "n-\(thread)-\(index)" { errors.withLock { $0.append("wrong machine for \(thread)/\(index)") } }
                    } catch {
                        errors.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(errors.withLock { $0 } == [])
        }
        #expect(try Inventory(path: directory.databasePath).machines().count == 100)
    }
}
