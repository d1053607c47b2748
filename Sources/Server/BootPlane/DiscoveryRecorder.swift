import Boot
import Dispatch
import Inventory
import Synchronization
import Wire

/// The one place that decides what the boot plane records of machines it sees (DESIGN.md §3): DHCP
/// requests of netboot clients (written by DHCPService with its lease batch) and iPXE script
/// requests. Unknown MACs become discovered machines; a known MAC's DHCP sighting is rewritten
/// when its facts change or once a minute, not on every packet.
/// Everything here can be caused by anyone on the segment, so it is bounded (DESIGN.md §11): at
/// most `limit` discovered machines (the oldest pruned), and all these writes together within
/// one `RateBudget`; a write over budget is skipped (the machine asks again), counted, and logged
/// once a minute.
final class DiscoveryRecorder: Sendable {
    struct Limits: Sendable, Equatable {
        /// Discovered machines kept; beyond it the oldest are pruned.
        var discovered = 1000
        /// Discovery and sighting writes a second, all MACs together; bursts up to twice that.
        var writesPerSecond = 50.0
    }

    private struct State {
        /// Each MAC's sighting as last written, and when (Unix seconds).
        var sightingWritten: [MACAddress: (sighting: Sighting, at: Int)] = [:]
        var budget: RateBudget
        /// Writes skipped and machines pruned since the last log line about them.
        var skipped = 0
        var pruned = 0
        var reported = 0
    }

    private let inventory: Inventory
    private let limits: Limits
    private let log: Logger
    private let state: Mutex<State>

    /// Seconds between writes of an unchanged sighting (its `last_seen`).
    static let sightingInterval = 60

    init(inventory: Inventory, limits: Limits = Limits(), log: Logger) {
        self.inventory = inventory
        self.limits = limits
        self.log = log
        state = Mutex(State(budget: RateBudget(rate: limits.writesPerSecond, burst: limits.writesPerSecond * 2)))
    }

    /// Whether a netboot client's DHCP sighting is to be written: its facts changed or a minute
    /// passed since it was, and the write budget allows it. Decided in memory: the DHCP thread
    /// asks this for every packet.
    func sightingDue(_ mac: MACAddress, _ sighting: Sighting, now: Int) -> Bool {
        let last = state.withLock { $0.sightingWritten[mac] }
        if let last, now - last.at < Self.sightingInterval, last.sighting.sameFacts(as: sighting) { return false }
        return spend(now: now)
    }

    /// After `sightings` were committed (`Inventory.saveLeases`), `discovered` the machines they
    /// made: remembers them, logs the new machines, and prunes beyond the limit.
    func sightingsWritten(_ sightings: [(mac: MACAddress, sighting: Sighting)], discovered: [Machine], now: Int) throws(InventoryError) {
        state.withLock { state in
            for (mac, sighting) in sightings { state.sightingWritten[mac] = (sighting, now) }
            // Forget MACs not written for a while once the map outgrows the machines it can hold.
            if state.sightingWritten.count > 2 * limits.discovered + 4096 {
                state.sightingWritten = state.sightingWritten.filter { now - $0.value.at < Self.sightingInterval }
            }
        }
        let arch = Dictionary(sightings.map { ($0.mac, $0.sighting.arch) }, uniquingKeysWith: { $1 })
        for machine in discovered { log.info("discovered", ["mac": machine.mac.description, "via": "dhcp",
                                                              "arch": arch[machine.mac]??.description ?? "-"]) }
        if !discovered.isEmpty { try prune(now: now) }
    }

    /// An iPXE boot script request: the machine the MAC belongs to, discovered now if unknown;
    /// nil for an unknown MAC when the write budget is spent (it is served as unknown).
    func scriptRequested(by mac: MACAddress, now: Int = Timestamp.unixNow()) throws(InventoryError) -> Machine? {
        if let machine = try inventory.machine(mac) { return machine }
        guard spend(now: now) else { return nil }
        let machine = try inventory.discover(mac, source: "http", detail: "requested a boot script")
        log.info("discovered", ["mac": mac.description, "via": "http"])
        try prune(now: now)
        return machine
    }

    private func prune(now: Int) throws(InventoryError) {
        let pruned = try inventory.pruneDiscovered(keeping: limits.discovered).count
        guard pruned > 0 else { return }
        state.withLock { $0.pruned += pruned }
        report(now: now)
    }

    /// Takes one write from the budget; a skipped write is counted.
    private func spend(now: Int) -> Bool {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        guard state.withLock({ $0.budget.take(at: seconds) }) else {
            state.withLock { $0.skipped += 1 }
            report(now: now)
            return false
        }
        return true
    }

    /// One line a minute at most about what the bounds did: a flood costs the journal nothing.
    private func report(now: Int) {
        let counts = state.withLock { state -> (skipped: Int, pruned: Int)? in
            guard now - state.reported >= 60 else { return nil }
            defer { (state.skipped, state.pruned, state.reported) = (0, 0, now) }
            return (state.skipped, state.pruned)
        }
        guard let counts else { return }
        log.warning("discovery-bounded", ["skipped-writes": String(counts.skipped), "pruned": String(counts.pruned),
                                          "limit": String(limits.discovered), "writes-per-second": String(limits.writesPerSecond)])
    }
}
