import Dispatch
import Synchronization

/// Lines about what any client can cause at will (connections over a budget, TFTP requests
/// refused or never acknowledged), logged so that a flood of them cannot become a flood of log
/// lines and push out the ones an operator needs (issue 12 §4). Within an interval the first
/// `linesPerInterval` are written in full (`report`: which peer, which file); the rest, and
/// every `count`, become one line of counts by reason when the interval ends, or at `flush()`.
/// The first event after a quiet interval opens one.
final class RateLimitedLog: Sendable {
    private let event: String
    private let fields: [(String, String)]
    private let interval: Double
    private let linesPerInterval: Int
    private let log: Logger
    /// The open interval; nil while none is open.
    private let open = Mutex<Interval?>(nil)

    private struct Interval {
        var lines = 0
        var counts: [String: Int] = [:]
    }

    /// `event`: the lines' name; `fields`: what the line of counts always carries (the listener).
    init(event: String, fields: [(String, String)], interval: Double = 10, linesPerInterval: Int = 0, log: Logger) {
        self.event = event
        self.fields = fields
        self.interval = interval
        self.linesPerInterval = linesPerInterval
        self.log = log
    }

    /// Counts one event of `reason` in the interval's line of counts.
    func count(_ reason: String) {
        note { $0.counts[reason, default: 0] += 1 }
    }

    /// Writes the event as a line of its own while the interval has room, else counts it.
    func report(_ reason: String, level: Logger.Level, _ lineFields: [(String, String)]) {
        let written = note { interval in
            guard interval.lines < linesPerInterval else {
                interval.counts[reason, default: 0] += 1
                return false
            }
            interval.lines += 1
            return true
        }
        if written { log.log(level, event, lineFields) }
    }

    /// Applies `change` to the open interval, opening one (and its timer) if none is.
    @discardableResult
    private func note<T>(_ change: (inout Interval) -> T) -> T {
        let (result, opened) = open.withLock { open in
            var interval = open ?? Interval()
            defer { open = interval }
            return (change(&interval), open == nil)
        }
        if opened { DispatchQueue.global().asyncAfter(deadline: .now() + interval) { [self] in flush() } }
        return result
    }

    /// Ends the open interval now, writing its line of counts if it has any (at shutdown, so no
    /// count is lost).
    func flush() {
        guard let counts = open.withLock({ open in defer { open = nil }; return open?.counts }), !counts.isEmpty else { return }
        let written = linesPerInterval > 0 ? [("lines_written", String(linesPerInterval))] : []
        log.log(.warning, event, fields + written + counts.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }
                    + [("interval_s", interval.formatted)])
    }
}
