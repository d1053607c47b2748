import Dispatch
import Foundation
import Synchronization
import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: concurrency and persistence")
struct InventoryConcurrencyTests {
    @Test("400 registrations from 8 threads all land")
    func concurrentRegistrations() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<50 {
                let number = thread * 50 + index
                do {
                    _ = try inventory.register(testMAC(number), spec("node-\(number)", ip: IPv4Address(10, 1, UInt8(number / 256), UInt8(number % 256))),
                                               source: "thread-\(thread)")
                    // Reads interleave with the other threads' writes.
                    if try inventory.machine(testMAC(number)) == nil { errors.withLock { $0.append("\(number) not found after register") } }
                } catch {
                    errors.withLock { $0.append("\(number): \(error)") }
                }
            }
        }
        #expect(errors.withLock { $0 } == [])
        let machines = try inventory.machines()
        #expect(machines.count == 400)
        #expect(Set(machines.map(\.mac)) == Set((0..<400).map(testMAC)))
        #expect(Set(machines.compactMap(\.hostname)).count == 400)
        #expect(try rows(directory.databasePath, "SELECT COUNT(*) FROM events WHERE event = 'register'") == [["400"]])
    }

    @Test("concurrent transitions on one machine: exactly one of the racing boot-installs wins")
    func racingTransitions() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        _ = try inventory.register(testMAC(1), spec("a"), source: "t")
        let wins = Mutex(0)
        let refusals = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            do {
                _ = try inventory.apply(.bootInstall, to: testMAC(1), source: "t")
                wins.withLock { $0 += 1 }
            } catch let error as InventoryError {
                if case .invalidTransition = error { refusals.withLock { $0 += 1 } }
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        #expect(wins.withLock { $0 } == 1)
        #expect(refusals.withLock { $0 } == 7)
        #expect(try inventory.events(testMAC(1)).map(\.event) == ["register", "boot-install"])
    }

    @Test("data survives closing and reopening")
    func persistence() throws {
        let directory = try TemporaryDirectory()
        var expected: [Machine] = []
        do {
            let inventory = try Inventory(path: directory.databasePath)
            _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
            expected.append(try inventory.register(testMAC(1), spec("a", role: "server", cluster: "lab", ip: ip("10.0.0.1"),
                                                                   labels: ["k": "v", "z": "w"], nics: [testMAC(12), testMAC(11)]), source: "t"))
            try bring(inventory, testMAC(2), to: .ready, hostname: "b")
            expected.append(try inventory.apply(.reimage, to: testMAC(2), source: "t"))
            expected.append(try inventory.discover(testMAC(3), source: "dhcp", detail: "arch=0"))
        }
        let inventory = try Inventory(path: directory.databasePath)
        #expect(try inventory.machines() == expected)
        #expect(try inventory.machine(testMAC(11)) == expected[0])
        #expect(try inventory.events(testMAC(2)).map(\.event)
            == ["register", "boot-install", "fetch-user-data", "phone-home", "hooks-succeeded", "reimage"])
    }

    @Test("two inventories on one file see each other's writes and can both write")
    func twoConnections() throws {
        let directory = try TemporaryDirectory()
        let first = try Inventory(path: directory.databasePath)
        let second = try Inventory(path: directory.databasePath)
        _ = try first.register(testMAC(1), spec("a"), source: "first")
        #expect(try second.machine(testMAC(1))?.hostname == "a")
        _ = try second.register(testMAC(2), spec("b"), source: "second")
        #expect(try first.machine(testMAC(2))?.hostname == "b")
        _ = try first.apply(.bootInstall, to: testMAC(2), source: "first")
        #expect(try second.machine(testMAC(2))?.state == .booting)
        #expect(try first.machines().count == 2)
        #expect(try second.machines().count == 2)
    }

    @Test("a second inventory opened on an existing file can write first")
    func reopenedWritesFirst() throws {
        let directory = try TemporaryDirectory()
        let first = try Inventory(path: directory.databasePath)
        let second = try Inventory(path: directory.databasePath)  // nothing to migrate: only reads at open
        _ = try first.register(testMAC(1), spec("a"), source: "first")
        // second's first call is a write, after another connection committed.
        _ = try second.register(testMAC(2), spec("b"), source: "second")
        #expect(try first.machines().count == 2)
    }
}
