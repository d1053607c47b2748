import Dispatch
import Foundation
import Inventory
import Power
import Synchronization
import Wire

/// `--power-poll-interval`: reads the power state of machines with power settings, logs each
/// change, and records those provisiond did not make (`PowerWatch` decides) as `power-changed`
/// events. Work per
/// tick is bounded: at most `perTick` machines, in turns, read a few at once; a tick that runs
/// long delays the next (the timer's fires coalesce on its serial queue). A BMC that cannot be
/// read is logged when its error changes, not at every tick.
final class PowerPoller: @unchecked Sendable {
    static let perTick = 8

    private let service: PowerService
    let interval: Double
    private let log: Logger
    private let queue = DispatchQueue(label: "provisiond.power-poller")
    private var timer: DispatchSourceTimer?
    /// Where the next tick starts in the MAC-ordered list, and each failing BMC's last error
    /// (both touched on `queue` only).
    private var cursor = 0
    private var failing: [String: String] = [:]

    init(service: PowerService, interval: Double, log: Logger) {
        self.service = service
        self.interval = interval
        self.log = log
    }

    func start() {
        let source = DispatchSource.makeTimerSource(queue: queue)
        source.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
        source.setEventHandler { [weak self] in self?.tick() }
        timer = source
        source.resume()
        log.info("power-poller-started", ["interval": interval.formatted, "per_tick": String(Self.perTick)])
    }

    func stop() {
        queue.sync {
            timer?.cancel()
            timer = nil
        }
    }

    /// One round (on `queue`): the next machines in turn, read at once, each reading judged by
    /// the watch.
    private func tick() {
        let all: [PowerSettingsRecord]
        do { all = try service.inventory.allPowerSettings() } catch {
            log.error("power-poll-failed", ["error": error.description])
            return
        }
        service.watch.withLock { $0.keep(only: Set(all.map(\.mac))) }
        guard !all.isEmpty else { return }
        let start = cursor % all.count, count = min(Self.perTick, all.count)
        cursor = (start + count) % all.count
        failing = failing.filter { mac, _ in all.contains { $0.mac == mac } }
        let batch = (0..<count).map { all[(start + $0) % all.count] }
        let readings = Mutex<[Int: Result<PowerState, PowerError>]>([:])
        DispatchQueue.concurrentPerform(iterations: batch.count) { index in
            let reading = service.state(batch[index])
            readings.withLock { $0[index] = reading }
        }
        let now = Date().timeIntervalSince1970
        for (index, settings) in batch.enumerated() {
            switch readings.withLock({ $0[index] }) {
            case .success(let state):
                failing[settings.mac] = nil
                let (known, change) = service.watch.withLock { ($0.knows(settings.mac), $0.observe(settings.mac, state, at: now)) }
                if !known { log.info("power-watched", ["mac": settings.mac, "driver": settings.driver.rawValue, "state": state.description]) }
                if let change { record(change) }
            case .failure(let error):
                let text = error.description
                defer { failing[settings.mac] = text }
                if failing[settings.mac] != text { log.warning("power-poll-unreadable", ["mac": settings.mac, "driver": settings.driver.rawValue, "error": text]) }
            case nil:
                break
            }
        }
    }

    /// Each change is a log line; one nobody here made is also an event and a count.
    private func record(_ change: PowerWatch.Change) {
        log.info("power-changed", ["mac": change.mac, "from": change.from.description, "to": change.to.description,
                                   "by": change.byProvisiond ? "provisiond" : "someone-else"])
        guard !change.byProvisiond else { return }
        ServerMetrics.shared.powerChanged(to: change.to.description)
        do {
            try service.inventory.recordEvent(try MACAddress(change.mac), event: "power-changed",
                                              detail: "\(change.summary) (not by provisiond; seen by the power poller)", source: "poller")
        } catch {
            log.error("power-event-not-recorded", ["mac": change.mac, "event": "power-changed", "error": "\(error)"])
        }
    }
}
