import Foundation
import TestSupport
import Testing
import Wire
@testable import Inventory

extension TemporaryDirectory {
    var databasePath: String { file("inventory.sqlite") }
}

/// A locally administered unicast MAC numbered `index` (02:00:00:xx:xx:xx).
func testMAC(_ index: Int) -> MACAddress {
    try! MACAddress(octets: [0x02, 0x00, 0x00, UInt8((index >> 16) & 0xFF), UInt8((index >> 8) & 0xFF), UInt8(index & 0xFF)])
}

func ip(_ text: String) -> IPv4Address { try! IPv4Address(text) }

func spec(_ hostname: String, profile: String = "ubuntu-24.04", role: String? = nil, cluster: String? = nil,
          ip: IPv4Address? = nil, labels: [String: String] = [:], nics: [MACAddress] = []) -> MachineSpec {
    MachineSpec(hostname: hostname, profile: profile, role: role, cluster: cluster, ip: ip, labels: labels, nics: nics)
}

/// Runs `body`, which must throw; returns the error (recording an issue if it did not throw).
@discardableResult
func inventoryError<T>(_ body: () throws(InventoryError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> InventoryError? {
    do {
        let value = try body()
        Issue.record("expected an InventoryError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

extension InventoryError {
    var conflictMessage: String? { if case .conflict(let message) = self { message } else { nil } }
    var invalidMessage: String? { if case .invalid(let message) = self { message } else { nil } }
    var lifecycleError: LifecycleError? { if case .invalidTransition(let error) = self { error } else { nil } }
}

/// Rows of a query on a separate connection to the same file (internal `Database`).
func rows(_ path: String, _ sql: String, columns: Int32 = 1) throws -> [[String?]] {
    let database = try Database(path: path)
    let statement = try database.statement(sql)
    var result: [[String?]] = []
    while try statement.step() { result.append((0..<columns).map { statement.text($0) }) }
    return result
}

func tableNames(_ path: String) throws -> Set<String> {
    Set(try rows(path, "SELECT name FROM sqlite_master WHERE type = 'table'").compactMap { $0[0] })
}

/// Brings a freshly registered (or discovered) machine to `state` through allowed transitions.
@discardableResult
func bring(_ inventory: Inventory, _ mac: MACAddress, to state: MachineState, hostname: String) throws -> Machine {
    let path: [LifecycleEvent]
    switch state {
    case .discovered: return try inventory.discover(mac, source: "test", detail: "")
    case .registered: path = []
    case .booting: path = [.bootInstall]
    case .installing: path = [.bootInstall, .fetchUserData]
    case .installed: path = [.bootInstall, .fetchUserData, .phoneHome]
    case .ready: path = [.bootInstall, .fetchUserData, .phoneHome, .hooksSucceeded]
    case .failed: path = [.bootInstall, .installFailed]
    case .retired: path = [.retire]
    }
    var machine = try inventory.register(mac, spec(hostname), source: "test")
    for event in path { machine = try inventory.apply(event, to: mac, source: "test") }
    #expect(machine.state == state)
    return machine
}
