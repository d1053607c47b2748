import Boot
import Testing

@Suite("RateBudget: a token bucket over given time") struct RateBudgetTests {
    /// What `take` answers at each of `times`, in order, from one budget.
    private func takes(_ budget: RateBudget, at times: [Double]) -> [Bool] {
        var budget = budget
        return times.map { budget.take(at: $0) }
    }

    @Test("a full bucket allows a burst, then refills at the rate, never beyond the burst")
    func burstThenRate() {
        let answers = takes(RateBudget(rate: 2, burst: 4), at: [10, 10, 10, 10, 10, 10, 10.4, 10.5, 10.5, 100, 100, 100, 100, 100])
        #expect(answers == [true, true, true, true, false, false, false, true, false, true, true, true, true, false])
    }

    @Test("time going back grants nothing")
    func clockBack() {
        #expect(takes(RateBudget(rate: 1, burst: 1), at: [50, 40, 50.5, 51]) == [true, false, false, true])
    }
}
