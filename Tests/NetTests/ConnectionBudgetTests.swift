import Net
import Testing

/// The decisions of `ConnectionBudget`, without sockets: caps per source and in all, the
/// eviction that keeps a few heavy sources from locking a new one out, and the books.
@Suite("ConnectionBudget") struct ConnectionBudgetTests {
    @Test func admitsUpToThePerSourceCapThenRefusesThatSourceOnly() {
        var budget = ConnectionBudget(total: 100, perSource: 3)
        for _ in 0..<3 { #expect(budget.admit("10.0.0.1", mayEvict: true) == .admit) }
        #expect(budget.admit("10.0.0.1", mayEvict: true) == .refuse(.perSource))
        #expect(budget.admit("10.0.0.2", mayEvict: true) == .admit)
        #expect(budget.count == 4 && budget.bySource == ["10.0.0.1": 3, "10.0.0.2": 1])
        budget.release("10.0.0.1")
        #expect(budget.admit("10.0.0.1", mayEvict: true) == .admit)
    }

    @Test func aFullListenerEvictsFromTheHeaviestSourceForALighterOne() {
        var budget = ConnectionBudget(total: 4, perSource: 10)
        for _ in 0..<4 { #expect(budget.admit("attacker", mayEvict: true) == .admit) }
        #expect(budget.admit("fresh", mayEvict: true) == .admitEvicting("attacker"))
        #expect(budget.count == 4 && budget.bySource == ["attacker": 3, "fresh": 1])
        // "fresh" holds 1, "attacker" 3: still two more, so fresh gets a second one.
        #expect(budget.admit("fresh", mayEvict: true) == .admitEvicting("attacker"))
        // Now 2 and 2: evicting would only swap who is heavier.
        #expect(budget.admit("fresh", mayEvict: true) == .refuse(.total))
        #expect(budget.admit("attacker", mayEvict: true) == .refuse(.total))
        #expect(budget.bySource == ["attacker": 2, "fresh": 2])
    }

    @Test func withoutEvictionAFullListenerRefuses() {
        var budget = ConnectionBudget(total: 2, perSource: 10)
        #expect(budget.admit("a", mayEvict: false) == .admit)
        #expect(budget.admit("a", mayEvict: false) == .admit)
        #expect(budget.admit("b", mayEvict: false) == .refuse(.total))
        #expect(budget.bySource == ["a": 2])
    }

    @Test func releasingWhatWasNeverAdmittedChangesNothing() {
        var budget = ConnectionBudget(total: 2, perSource: 1)
        budget.release("ghost")
        #expect(budget.count == 0 && budget.bySource.isEmpty)
        #expect(budget.admit("a", mayEvict: true) == .admit)
        budget.release("a")
        budget.release("a")
        #expect(budget.count == 0 && budget.bySource.isEmpty)
    }

    @Test func limitsAreAtLeastOne() {
        let budget = ConnectionBudget(total: 0, perSource: -3)
        #expect(budget.total == 1 && budget.perSource == 1)
    }

    @Test("5,000 connections from 10 addresses then a fresh one: the fresh one gets in; the books balance")
    func floodThenFresh() {
        var budget = ConnectionBudget(total: 224, perSource: 32)
        var refused = 0
        for index in 0..<5_000 {
            if case .refuse = budget.admit("127.0.0.\(2 + index % 10)", mayEvict: true) { refused += 1 }
        }
        #expect(budget.count == 224 && refused == 5_000 - 224)
        #expect(budget.bySource.values.max() == 23 && budget.bySource.values.min() == 22)
        let heaviest = Set(budget.bySource.filter { $0.value == 23 }.keys)
        guard case .admitEvicting(let victim) = budget.admit("127.0.1.1", mayEvict: true) else {
            Issue.record("the fresh source was not admitted")
            return
        }
        #expect(heaviest.contains(victim))
        #expect(budget.count == 224 && budget.bySource["127.0.1.1"] == 1)
    }
}
