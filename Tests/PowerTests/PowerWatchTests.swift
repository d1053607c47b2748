@testable import Power
import Testing

@Suite("PowerWatch: which readings are changes, and which of them nobody here made")
struct PowerWatchTests {
    let mac = "52:54:00:00:00:01"

    @Test("the first reading is a baseline; an unchanged state is nothing; a change is one event")
    func baselineAndChanges() {
        var watch = PowerWatch()
        #expect(watch.observe(mac, .off, at: 0) == nil)
        #expect(watch.observe(mac, .off, at: 1) == nil)
        #expect(watch.observe(mac, .on, at: 2) == PowerWatch.Change(mac: mac, from: .off, to: .on))
        #expect(watch.observe(mac, .on, at: 3) == nil)
        #expect(watch.observe(mac, .off, at: 4)?.summary == "on → off")
    }

    @Test("an operation's own steps are silent until the target shows, then changes count again")
    func ownOperation() {
        var watch = PowerWatch()
        _ = watch.observe(mac, .on, at: 0)
        // A cycle: the BMC passes through off and powering-on on its way back.
        watch.expect(mac, on: true, until: 100)
        #expect(watch.observe(mac, .off, at: 1) == PowerWatch.Change(mac: mac, from: .on, to: .off, byProvisiond: true))
        #expect(watch.observe(mac, .poweringOn, at: 2)?.byProvisiond == true)
        #expect(watch.observe(mac, .on, at: 3)?.byProvisiond == true)
        #expect(watch.observe(mac, .on, at: 3.5) == nil)
        // The target was seen: the installer switching the machine off is someone else's doing.
        #expect(watch.observe(mac, .off, at: 4) == PowerWatch.Change(mac: mac, from: .on, to: .off))
    }

    @Test("an expectation that never shows ends at its deadline")
    func expectationExpires() {
        var watch = PowerWatch()
        _ = watch.observe(mac, .off, at: 0)
        watch.expect(mac, on: true, until: 10)
        #expect(watch.observe(mac, .off, at: 5) == nil, "no change")
        #expect(watch.observe(mac, .on, at: 11) == PowerWatch.Change(mac: mac, from: .off, to: .on))
    }

    @Test("machines whose settings went are forgotten")
    func forget() {
        var watch = PowerWatch()
        _ = watch.observe(mac, .off, at: 0)
        watch.keep(only: [])
        #expect(watch.observe(mac, .on, at: 1) == nil, "a new baseline after the machine was forgotten")
    }
}
