import Dispatch
import Foundation
import Net

/// The thread that checks the planes and the database every `schedule.tick` and, under systemd's
/// watchdog, sends `WATCHDOG=1` only while all of them answered recently: a stalled DHCP queue,
/// a wedged HTTP queue or database makes systemd restart the service (`WatchdogSec=` in the unit).
final class SystemdWatchdog: @unchecked Sendable {
    private let health: ServiceHealth
    private let schedule: WatchdogSchedule
    private let log: Logger
    private let stopping = DispatchSemaphore(value: 0)

    init(health: ServiceHealth, schedule: WatchdogSchedule, log: Logger) {
        self.health = health
        self.schedule = schedule
        self.log = log
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "watchdog"
        thread.start()
    }

    func stop() { stopping.signal() }

    private func run() {
        var withheld = false
        repeat {
            health.probe()
            let report = health.report()
            if report.isHealthy {
                if withheld { log.info("watchdog-resumed") }
                withheld = false
                if schedule.notifies { SystemdNotifier.notify("WATCHDOG=1") }
            } else if !withheld {
                withheld = true
                var fields: [(String, String)] = [("stale", report.stale.joined(separator: ","))]
                if case .failure(let failure) = report.database { fields.append(("database", failure.message)) }
                if schedule.notifies { fields.append(("watchdog", "ping withheld")) }
                log.log(.error, "unhealthy", fields)
            }
        } while stopping.wait(timeout: .now() + schedule.tick) == .timedOut
    }
}
