/// How often the liveness of the planes is checked and how stale a heartbeat may get, from the
/// environment systemd gives a unit with `WatchdogSec=` (sd_watchdog_enabled(3): `WATCHDOG_USEC`,
/// and `WATCHDOG_PID` naming us or absent).
public struct WatchdogSchedule: Equatable, Sendable {
    /// Whether to send `WATCHDOG=1`.
    public let notifies: Bool
    /// Seconds between checks (and pings while healthy).
    public let tick: Double
    /// A heartbeat older than this marks its plane stalled.
    public let maxAge: Double

    /// Without systemd's watchdog the checks still run, for `/healthz`.
    public static let unsupervised = WatchdogSchedule(notifies: false, tick: 2, maxAge: 10)

    public static func from(environment: [String: String], pid: Int32) -> WatchdogSchedule {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return .unsupervised }
        if let owner = environment["WATCHDOG_PID"], owner != String(pid) { return .unsupervised }
        let seconds = Double(usec) / 1e6
        // Four checks per period: a ping withheld for two of them (a plane silent for half the
        // period) still leaves systemd's deadline to pass before it acts, and a healthy daemon
        // pings well inside it (systemd's own advice is at least twice per period).
        return WatchdogSchedule(notifies: true, tick: seconds / 4, maxAge: seconds / 2)
    }
}
