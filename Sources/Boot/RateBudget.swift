/// A token bucket: on average at most `rate` takes a second, in bursts of up to `burst`. How the
/// boot plane bounds the writes strangers can cause (DESIGN.md §11). Time is given, in seconds
/// on a clock that never goes back, so the decision is pure.
public struct RateBudget: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var refilled: Double?

    /// A full bucket: `burst` takes at once, then `rate` a second.
    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        tokens = burst
    }

    /// Spends one token if there is one at `now`; false when the budget is spent.
    public mutating func take(at now: Double) -> Bool {
        if let refilled, now > refilled { tokens = min(burst, tokens + (now - refilled) * rate) }
        refilled = max(now, refilled ?? now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
