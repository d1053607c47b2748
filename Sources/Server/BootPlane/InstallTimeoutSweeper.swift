import Boot
import Dispatch
import Inventory
import Wire

/// Fails the installs that waited too long for their report (DESIGN.md §12): a timer looks at
/// the machines in `booting` and `installing`, InstallTimeout decides, and each expired one moves
/// to `failed` by `install-timed-out` with what was last seen of it.
final class InstallTimeoutSweeper: @unchecked Sendable {
    private let inventory: Inventory
    private let profiles: ProfileCatalog
    /// The server's `--install-timeout`; a profile's `installTimeout` wins.
    private let globalLimit: Double
    private let lastSeen: BootPlaneLastSeen
    private let log: Logger
    private let queue = DispatchQueue(label: "provisiond.install-timeout")
    private var timer: DispatchSourceTimer?

    init(inventory: Inventory, profiles: ProfileCatalog, globalLimit: Double, lastSeen: BootPlaneLastSeen, log: Logger) {
        self.inventory = inventory
        self.profiles = profiles
        self.globalLimit = globalLimit
        self.lastSeen = lastSeen
        self.log = log
    }

    /// How often to look: a quarter of the shortest timeout, from 0.25 s to 30 s, so a machine
    /// fails at most a quarter late.
    var interval: Double {
        let shortest = profiles.profiles.values.compactMap(\.profile.installTimeout).reduce(globalLimit, min)
        return min(30, max(0.25, shortest / 4))
    }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(50))
        timer.setEventHandler { [weak self] in self?.sweep() }
        self.timer = timer
        timer.resume()
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// One look at every waiting machine.
    func sweep(now: String = Timestamp.now()) {
        let waiting: [InstallTimeout.Waiting]
        do { waiting = try gather() } catch {
            log.error("install-timeout-sweep-failed", ["error": error.description])
            return
        }
        for expiry in InstallTimeout.expired(waiting, now: now) {
            do {
                let mac = try MACAddress(expiry.mac)
                let updated = try inventory.apply(.installTimedOut, to: mac, source: "timeout", detail: expiry.detail)
                log.warning("transition", ["mac": expiry.mac, "event": LifecycleEvent.installTimedOut.rawValue, "to": updated.state.rawValue,
                                           "detail": expiry.detail])
            } catch {
                // A report that arrived in the meantime wins: the transition is refused.
                log.info("install-timeout-skipped", ["mac": expiry.mac, "why": "\(error)"])
            }
        }
    }

    private func gather() throws(InventoryError) -> [InstallTimeout.Waiting] {
        var waiting: [InstallTimeout.Waiting] = []
        for state in [MachineState.booting, .installing] {
            for machine in try inventory.machines(state: state) {
                let steps = try inventory.events(machine.mac).map { InstallTimeout.Step(from: $0.from, to: $0.to, at: $0.at) }
                let profileLimit = machine.profile.flatMap(profiles.profile)?.profile.installTimeout
                waiting.append(InstallTimeout.Waiting(mac: machine.mac.description, state: state,
                                                      since: InstallTimeout.start(of: steps) ?? machine.updatedAt,
                                                      limit: InstallTimeout.limit(profile: profileLimit, global: globalLimit),
                                                      lastSeen: lastSeen.lastSeen(machine.mac.description)))
            }
        }
        return waiting
    }
}
