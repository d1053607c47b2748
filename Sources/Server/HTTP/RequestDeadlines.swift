/// The three clocks of one HTTP connection, as a value type fed with times (nanoseconds of a
/// monotonic clock) so the decisions are tested without sockets:
/// - idle: no byte for `idle` closes the connection (a request in progress gets 408 first);
/// - head: a request head must be complete within `head` of its first byte, however slowly the
///   bytes come (slowloris: the idle clock alone restarts on every byte);
/// - body: a request body must be complete within `body` of the end of its head.
/// While a response is being written no clock runs out (`answering`): a slow reader of a large
/// asset is the send path's business, and the next request's clocks start when the answer ends.
struct RequestDeadlines: Equatable {
    enum Expiry: Equatable {
        case idle, head, body
    }

    let idle: UInt64
    let head: UInt64
    let body: UInt64
    private(set) var lastActivity: UInt64
    private(set) var headStarted: UInt64?
    private(set) var bodyStarted: UInt64?
    private(set) var answering = false

    /// Limits in seconds; `now` is when the connection was accepted.
    init(idle: Double, head: Double, body: Double, now: UInt64) {
        self.idle = Self.nanoseconds(idle)
        self.head = Self.nanoseconds(head)
        self.body = Self.nanoseconds(body)
        lastActivity = now
    }

    private static func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1_000_000_000) }

    /// Bytes arrived, or a response moved on: the idle clock starts again.
    mutating func activity(at now: UInt64) {
        lastActivity = now
    }

    /// A complete request was taken out and its answer begins.
    mutating func answering(at now: UInt64) {
        answering = true
        headStarted = nil
        bodyStarted = nil
        lastActivity = now
    }

    /// No answer is being written and the parser holds `buffered` bytes of an unfinished request
    /// (0: none), in its body or still in the head: the request's clocks run from the first time
    /// each was seen.
    mutating func waiting(at now: UInt64, buffered: Int, readingBody: Bool) {
        answering = false
        track(at: now, buffered: buffered, readingBody: readingBody)
    }

    private mutating func track(at now: UInt64, buffered: Int, readingBody: Bool) {
        if readingBody {
            if bodyStarted == nil { bodyStarted = now }
            headStarted = nil
        } else if buffered > 0 {
            if headStarted == nil { headStarted = now }
        } else {
            headStarted = nil
            bodyStarted = nil
        }
    }

    /// When the next clock runs out.
    var nextDeadline: UInt64 {
        var earliest = lastActivity &+ idle
        if !answering, let headStarted { earliest = min(earliest, headStarted &+ head) }
        if !answering, let bodyStarted { earliest = min(earliest, bodyStarted &+ body) }
        return earliest
    }

    /// Which clock has run out at `now`, the request's own first; nil if none.
    func expired(at now: UInt64) -> Expiry? {
        if !answering, let headStarted, now >= headStarted &+ head { return .head }
        if !answering, let bodyStarted, now >= bodyStarted &+ body { return .body }
        return now >= lastActivity &+ idle ? .idle : nil
    }
}
