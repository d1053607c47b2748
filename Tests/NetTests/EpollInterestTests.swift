@testable import Net
import Testing

/// Which epoll_ctl(2) call each change of a socket's wishes needs: none for a request answered
/// at once, and never an empty mask left in the set.
@Suite("EpollInterest") struct EpollInterestTests {
    private typealias Change = EpollInterest.Change
    private static let readable = EpollInterest.readable
    private static let writable = EpollInterest.writable

    @Test func aConnectionAnsweredAtOnceCostsOneAddInItsWholeLife() {
        var interest = EpollInterest()
        interest.reading = true
        #expect(interest.settle() == .add(Self.readable))
        // A request read, answered and fully written: nothing changed for epoll.
        for _ in 0..<3 { #expect(interest.settle() == .none) }
    }

    @Test func aWriteTheKernelCouldNotTakeSwapsReadingForWritingAndBack() {
        var interest = EpollInterest()
        interest.reading = true
        _ = interest.settle()
        interest.writing = true
        #expect(interest.settle() == .modify(Self.readable | Self.writable))
        interest.reading = false
        #expect(interest.settle() == .modify(Self.writable))
        interest.writing = false
        interest.reading = true
        #expect(interest.settle() == .modify(Self.readable))
    }

    @Test func wantingNothingOrBeingParkedLeavesTheSetAndComesBackWithAnAdd() {
        var interest = EpollInterest()
        interest.reading = true
        _ = interest.settle()
        interest.parked = true
        #expect(interest.settle() == .delete)
        #expect(interest.settle() == .none)
        interest.parked = false
        #expect(interest.settle() == .add(Self.readable))
        interest.reading = false
        #expect(interest.settle() == .delete)
        #expect(interest.registered == nil)
    }

    @Test func aSharedListeningSocketIsAddedWithItsFlagsEveryTime() {
        let exclusive: UInt32 = 1 << 28
        var interest = EpollInterest(addFlags: exclusive)
        interest.reading = true
        #expect(interest.settle() == .add(Self.readable | exclusive))
        interest.reading = false
        #expect(interest.settle() == .delete)
        interest.reading = true
        #expect(interest.settle() == .add(Self.readable | exclusive))
    }

    @Test func aClosedSocketIsOutOfTheSetWithNoCall() {
        var interest = EpollInterest()
        interest.reading = true
        interest.writing = true
        _ = interest.settle()
        interest.closed()
        #expect(interest.registered == nil)
        #expect(interest.settle() == .none)
    }
}
