import Testing

@testable import Server

/// The clocks of one HTTP connection (`RequestDeadlines`), fed with times: no sockets, no waiting.
@Suite("RequestDeadlines") struct RequestDeadlinesTests {
    static let second: UInt64 = 1_000_000_000

    static func clocks() -> RequestDeadlines { RequestDeadlines(idle: 60, head: 10, body: 30, now: 0) }

    @Test func anIdleConnectionRunsOutOnTheIdleClock() {
        let clocks = Self.clocks()
        #expect(clocks.nextDeadline == 60 * Self.second)
        #expect(clocks.expired(at: 59 * Self.second) == nil)
        #expect(clocks.expired(at: 60 * Self.second) == .idle)
    }

    @Test("slowloris: a byte a second keeps the idle clock fresh but the head clock runs from the first byte")
    func slowloris() {
        var clocks = Self.clocks()
        for second in 1...9 as ClosedRange<UInt64> {
            clocks.activity(at: second * Self.second)
            clocks.waiting(at: second * Self.second, buffered: Int(second), readingBody: false)
            #expect(clocks.expired(at: second * Self.second) == nil)
        }
        #expect(clocks.nextDeadline == 11 * Self.second)
        #expect(clocks.expired(at: 11 * Self.second) == .head)
    }

    @Test func theBodyClockStartsWhenTheHeadIsDone() {
        var clocks = Self.clocks()
        clocks.activity(at: 1 * Self.second)
        clocks.waiting(at: 1 * Self.second, buffered: 100, readingBody: false)
        clocks.activity(at: 5 * Self.second)
        clocks.waiting(at: 5 * Self.second, buffered: 10, readingBody: true)
        #expect(clocks.expired(at: 12 * Self.second) == nil, "the head clock stopped with the head")
        #expect(clocks.nextDeadline == 35 * Self.second)
        #expect(clocks.expired(at: 35 * Self.second) == .body)
    }

    @Test("while an answer is written no request clock runs out; the next request's start when it ends")
    func answering() {
        var clocks = Self.clocks()
        clocks.waiting(at: 1 * Self.second, buffered: 50, readingBody: false)
        clocks.answering(at: 2 * Self.second)
        #expect(clocks.expired(at: 30 * Self.second) == nil)
        #expect(clocks.nextDeadline == 62 * Self.second)
        // A pipelined request was already buffered: its head clock starts at the end of the answer.
        clocks.activity(at: 40 * Self.second)
        clocks.waiting(at: 40 * Self.second, buffered: 20, readingBody: false)
        #expect(clocks.expired(at: 49 * Self.second) == nil)
        #expect(clocks.expired(at: 50 * Self.second) == .head)
    }

    @Test func aCompleteRequestStopsTheRequestClocks() {
        var clocks = Self.clocks()
        clocks.waiting(at: 1 * Self.second, buffered: 50, readingBody: false)
        clocks.answering(at: 2 * Self.second)
        clocks.activity(at: 3 * Self.second)
        clocks.waiting(at: 3 * Self.second, buffered: 0, readingBody: false)
        #expect(clocks.headStarted == nil && clocks.bodyStarted == nil)
        #expect(clocks.expired(at: 62 * Self.second) == nil)
        #expect(clocks.expired(at: 63 * Self.second) == .idle)
    }
}
