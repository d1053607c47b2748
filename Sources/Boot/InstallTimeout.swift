import Model

/// A machine never waits forever (DESIGN.md §12): one that stays `booting` or `installing`
/// longer than its install timeout, with no report, fails with what was last seen of it. Pure:
/// the server's sweeper gathers the facts and applies what this returns.
public enum InstallTimeout {
    /// One row of a machine's timeline, as much as the clock needs.
    public struct Step: Equatable, Sendable {
        public let from: MachineState?
        public let to: MachineState?
        /// RFC 3339 UTC with milliseconds, as the inventory writes it.
        public let at: String

        public init(from: MachineState?, to: MachineState?, at: String) {
            self.from = from
            self.to = to
            self.at = at
        }
    }

    /// The last boot-plane request that named the machine.
    public struct LastSeen: Equatable, Sendable {
        public let at: String
        /// `GET /cloud-init/MAC/user-data (200)`: method, path (never the query, which holds the
        /// token) and status.
        public let request: String
        public let from: String

        public init(at: String, request: String, from: String) {
            self.at = at
            self.request = request
            self.from = from
        }
    }

    /// A machine in `booting` or `installing`, with its clock.
    public struct Waiting: Equatable, Sendable {
        public let mac: String
        public let state: MachineState
        /// When its install began (`start(of:)`), RFC 3339.
        public let since: String
        /// Seconds it may wait for its report.
        public let limit: Double
        public let lastSeen: LastSeen?

        public init(mac: String, state: MachineState, since: String, limit: Double, lastSeen: LastSeen?) {
            self.mac = mac
            self.state = state
            self.since = since
            self.limit = limit
            self.lastSeen = lastSeen
        }
    }

    public struct Expiry: Equatable, Sendable {
        public let mac: String
        public let detail: String
    }

    /// The profile's own timeout wins over the server's.
    public static func limit(profile: Double?, global: Double) -> Double { profile ?? global }

    /// When the current install began: the last step out of `registered` (the install script
    /// handed out, or a cloud image's first user-data fetch), so `booting` and `installing`
    /// share one clock. nil when the timeline has no such step.
    public static func start(of steps: [Step]) -> String? {
        steps.last { $0.from == .registered && ($0.to == .booting || $0.to == .installing) }?.at
    }

    /// The machines whose time is up at `now` (RFC 3339), each with its event detail. A machine
    /// whose start time cannot be read is left alone rather than failed on a guess.
    public static func expired(_ waiting: [Waiting], now: String) -> [Expiry] {
        guard let clock = seconds(now) else { return [] }
        return waiting.compactMap { machine in
            guard machine.state == .booting || machine.state == .installing, let since = seconds(machine.since),
                  clock - since >= machine.limit else { return nil }
            return Expiry(mac: machine.mac, detail: detail(machine, now: clock))
        }
    }

    /// "no report within 60 min (installing since …); last seen: GET … (200) from 10.0.0.5 at
    /// … (12 min ago)".
    static func detail(_ machine: Waiting, now: Double) -> String {
        var text = "no report within \(duration(machine.limit)) (\(machine.state.rawValue) since \(machine.since)); last seen: "
        if let seen = machine.lastSeen {
            let ago = seconds(seen.at).map { " (\(duration(max(0, now - $0))) ago)" } ?? ""
            text += "\(seen.request) from \(seen.from) at \(seen.at)\(ago)"
        } else {
            text += "no boot-plane request since provisiond started"
        }
        return text
    }

    /// `60 min` for whole minutes from two on, else seconds (`90 s`, `1.5 s`).
    public static func duration(_ seconds: Double) -> String {
        if seconds >= 120 { return "\(Int((seconds / 60).rounded())) min" }
        let tenths = (seconds * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }

    /// `2026-11-21T23:40:00.123Z` → seconds since the Unix epoch; nil for any other form.
    static func seconds(_ timestamp: String) -> Double? {
        let bytes = Array(timestamp.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            guard range.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(bytes[$1] - UInt8(ascii: "0")) }
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var fraction = 0.0
        if bytes.count > 20 {
            guard bytes.count > 21, bytes[19] == UInt8(ascii: "."), let digits = number(20..<(bytes.count - 1)) else { return nil }
            fraction = Double(digits) / (20..<(bytes.count - 1)).reduce(1.0) { scale, _ in scale * 10 }
        }
        // Days from the civil date (H. Hinnant's algorithm), proleptic Gregorian.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        return Double(days * 86400 + hour * 3600 + minute * 60 + second) + fraction
    }
}
