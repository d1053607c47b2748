import Dispatch
import Synchronization

/// Counts refusals (connections over a budget, TFTP requests over their slots) and logs them as
/// one line per interval with the counts by reason: a flood of refusals must not become a flood
/// of log lines (issue 12 §4). The first refusal after a quiet interval opens one; the line is
/// written when it ends, or at `flush()`.
final class RefusalLog: Sendable {
    private let event: String
    private let fields: [(String, String)]
    private let interval: Double
    private let log: Logger
    /// Counts by reason for the open interval; nil while none is open.
    private let counts = Mutex<[String: Int]?>(nil)

    /// `event`: the log line's name; `fields`: what it always carries (the listener).
    init(event: String, fields: [(String, String)], interval: Double = 10, log: Logger) {
        self.event = event
        self.fields = fields
        self.interval = interval
        self.log = log
    }

    func count(_ reason: String) {
        let opensInterval = counts.withLock { counts in
            var current = counts ?? [:]
            current[reason, default: 0] += 1
            defer { counts = current }
            return counts == nil
        }
        guard opensInterval else { return }
        DispatchQueue.global().asyncAfter(deadline: .now() + interval) { [self] in flush() }
    }

    /// Writes the open interval's line now (at shutdown, so no count is lost).
    func flush() {
        guard let counted = counts.withLock({ counts in defer { counts = nil }; return counts }) else { return }
        log.log(.warning, event, fields + counted.sorted { $0.key < $1.key }.map { ($0.key, String($0.value)) }
                    + [("interval_s", interval.formatted)])
    }
}
