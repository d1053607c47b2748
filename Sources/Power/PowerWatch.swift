/// What the power poller knows of each machine: the state its BMC reported last, and where an
/// operation of provisiond's own is taking it. Fed every reading, it tells the changes: those
/// nobody here asked for (worth an event) from the steps of provisiond's own operation on its
/// way to the target (a cycle passes through off; BMCs apply a change seconds after accepting
/// it). The first reading and an unchanged state are no change.
public struct PowerWatch: Sendable {
    public struct Change: Equatable, Sendable {
        public let mac: String
        public let from: PowerState
        public let to: PowerState
        /// On the way to what an operation of provisiond's asked for.
        public let byProvisiond: Bool

        public init(mac: String, from: PowerState, to: PowerState, byProvisiond: Bool = false) {
            self.mac = mac
            self.from = from
            self.to = to
            self.byProvisiond = byProvisiond
        }

        /// `on → off`.
        public var summary: String { "\(from) → \(to)" }
    }

    struct Expectation: Sendable {
        let target: Bool
        let until: Double
    }

    private var last: [String: PowerState] = [:]
    private var expected: [String: Expectation] = [:]

    public init() {}

    /// provisiond changed the machine's power (or is about to): until `until` (seconds, the
    /// caller's clock), or until a reading shows the target, changes are the operation's own.
    public mutating func expect(_ mac: String, on target: Bool, until: Double) {
        expected[mac] = Expectation(target: target, until: until)
    }

    /// One reading; returns the change it shows, if any.
    public mutating func observe(_ mac: String, _ state: PowerState, at now: Double) -> Change? {
        let previous = last[mac]
        last[mac] = state
        var byProvisiond = false
        if let expectation = expected[mac] {
            if now < expectation.until {
                byProvisiond = true
                if state.isOn == expectation.target && !state.isTransitional { expected[mac] = nil }
            } else {
                expected[mac] = nil
            }
        }
        guard let previous, previous != state else { return nil }
        return Change(mac: mac, from: previous, to: state, byProvisiond: byProvisiond)
    }

    /// Whether the machine has been read before (its first reading is a baseline, no change).
    public func knows(_ mac: String) -> Bool { last[mac] != nil }

    /// Forgets machines that no longer have power settings, so the watch stays as small as the
    /// set it polls.
    public mutating func keep(only macs: Set<String>) {
        last = last.filter { macs.contains($0.key) }
        expected = expected.filter { macs.contains($0.key) }
    }
}

extension PowerState {
    /// On its way between on and off (Redfish `PoweringOn` / `PoweringOff`).
    public var isTransitional: Bool { self == .poweringOn || self == .poweringOff }
}
