import Boot
import Inventory
import Synchronization
import Wire

/// The one place that records machines seen on the boot plane (DESIGN.md §3): DHCP requests of
/// netboot clients and iPXE script requests. Unknown MACs become discovered machines; a known
/// MAC's DHCP sighting is rewritten when its facts change or once a minute, not on every packet.
final class DiscoveryRecorder: Sendable {
    private let inventory: Inventory
    private let log: Logger
    /// When each MAC's sighting was last written, in Unix seconds.
    private let sightingWritten = Mutex<[MACAddress: Int]>([:])

    /// Seconds between writes of an unchanged sighting (its `last_seen`).
    static let sightingInterval = 60

    init(inventory: Inventory, log: Logger) {
        self.inventory = inventory
        self.log = log
    }

    /// A DHCP request from a netboot client.
    func sighted(_ mac: MACAddress, _ sighting: Sighting, now: Int) throws(InventoryError) {
        let last = sightingWritten.withLock { $0[mac] }
        if let last, now - last < Self.sightingInterval, let stored = try inventory.sighting(mac), stored.sameFacts(as: sighting) {
            return
        }
        let known = try inventory.machine(mac) != nil
        _ = try inventory.discover(mac, sighting: sighting, source: "dhcp", detail: sighting.summary)
        if !known { log.info("discovered", ["mac": mac.description, "via": "dhcp", "arch": sighting.arch.map(String.init) ?? "-"]) }
        sightingWritten.withLock { $0[mac] = now }
    }

    /// An iPXE boot script request: the machine the MAC belongs to, discovered now if unknown.
    func scriptRequested(by mac: MACAddress) throws(InventoryError) -> Machine {
        if let machine = try inventory.machine(mac) { return machine }
        let machine = try inventory.discover(mac, source: "http", detail: "requested a boot script")
        log.info("discovered", ["mac": mac.description, "via": "http"])
        return machine
    }
}
