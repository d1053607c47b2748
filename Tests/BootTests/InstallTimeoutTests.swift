import Model
import Testing

@testable import Boot

/// The sweeper's decision: which waiting machines have run out of time, and what their event says.
@Suite struct InstallTimeoutTests {
    private func waiting(_ state: MachineState = .installing, since: String = "2026-11-30T02:00:00.000Z", limit: Double = 3600,
                         lastSeen: InstallTimeout.LastSeen? = nil) -> InstallTimeout.Waiting {
        InstallTimeout.Waiting(mac: "52:54:00:00:00:01", state: state, since: since, limit: limit, lastSeen: lastSeen)
    }

    @Test func expiresOnlyOnceTheLimitHasPassed() {
        let machine = waiting()
        #expect(InstallTimeout.expired([machine], now: "2026-11-30T02:59:59.999Z").isEmpty)
        #expect(InstallTimeout.expired([machine], now: "2026-11-30T03:00:00.000Z").map(\.mac) == ["52:54:00:00:00:01"])
    }

    @Test func theDetailSaysTheLimitAndWhatWasLastSeen() {
        let seen = InstallTimeout.LastSeen(at: "2026-11-30T02:48:00.000Z", request: "GET /cloud-init/52:54:00:00:00:01/user-data (200)", from: "10.77.0.11")
        let expiry = InstallTimeout.expired([waiting(lastSeen: seen)], now: "2026-11-30T03:00:00.500Z")
        #expect(expiry.map(\.detail) == ["no report within 60 min (installing since 2026-11-30T02:00:00.000Z); last seen: "
            + "GET /cloud-init/52:54:00:00:00:01/user-data (200) from 10.77.0.11 at 2026-11-30T02:48:00.000Z (12 min ago)"])
        let unseen = InstallTimeout.expired([waiting(.booting, limit: 1.5)], now: "2026-11-30T02:00:02.000Z")
        #expect(unseen.map(\.detail) == ["no report within 1.5 s (booting since 2026-11-30T02:00:00.000Z); last seen: "
            + "no boot-plane request since provisiond started"])
    }

    @Test(arguments: MachineState.allCases)
    func onlyBootingAndInstallingMachinesExpire(_ state: MachineState) {
        let expired = !InstallTimeout.expired([waiting(state)], now: "2026-12-01T00:00:00.000Z").isEmpty
        #expect(expired == (state == .booting || state == .installing))
    }

    @Test func anUnreadableClockExpiresNothing() {
        #expect(InstallTimeout.expired([waiting(since: "yesterday")], now: "2026-12-01T00:00:00.000Z").isEmpty)
        #expect(InstallTimeout.expired([waiting()], now: "now").isEmpty)
    }

    @Test func theInstallStartsWhenTheMachineLeavesRegistered() {
        let steps = [
            InstallTimeout.Step(from: nil, to: .registered, at: "2026-11-30T01:00:00.000Z"),
            InstallTimeout.Step(from: .registered, to: .booting, at: "2026-11-30T01:01:00.000Z"),
            InstallTimeout.Step(from: .booting, to: .failed, at: "2026-11-30T01:02:00.000Z"),
            InstallTimeout.Step(from: .failed, to: .registered, at: "2026-11-30T01:03:00.000Z"),
            InstallTimeout.Step(from: .registered, to: .booting, at: "2026-11-30T01:04:00.000Z"),
            InstallTimeout.Step(from: .booting, to: .booting, at: "2026-11-30T01:04:30.000Z"),
            InstallTimeout.Step(from: .booting, to: .installing, at: "2026-11-30T01:05:00.000Z"),
        ]
        // booting and installing share one clock, from this install's boot-install.
        #expect(InstallTimeout.start(of: steps) == "2026-11-30T01:04:00.000Z")
        // A cloud image goes from registered straight to installing.
        #expect(InstallTimeout.start(of: [InstallTimeout.Step(from: .registered, to: .installing, at: "2026-11-30T01:06:00.000Z")])
                == "2026-11-30T01:06:00.000Z")
        #expect(InstallTimeout.start(of: Array(steps.prefix(1))) == nil)
    }

    @Test func theProfileLimitWins() {
        #expect(InstallTimeout.limit(profile: 7200, global: 3600) == 7200)
        #expect(InstallTimeout.limit(profile: nil, global: 3600) == 3600)
    }

    @Test(arguments: [(3600.0, "60 min"), (120, "2 min"), (119, "119 s"), (1.5, "1.5 s"), (2, "2 s"), (0.04, "0 s"), (5400, "90 min")])
    func durationsReadNaturally(_ seconds: Double, _ text: String) {
        #expect(InstallTimeout.duration(seconds) == text)
    }

    @Test(arguments: [("1970-01-01T00:00:00.000Z", 0.0), ("2026-11-30T02:00:00.250Z", 1_796_004_000.25), ("2000-02-29T23:59:59Z", 951_868_799),
                      ("2024-03-01T00:00:00.5Z", 1_709_251_200.5)])
    func timestampsReadAsUnixSeconds(_ text: String, _ seconds: Double) {
        #expect(InstallTimeout.seconds(text) == seconds)
    }

    @Test(arguments: ["", "2026-11-30 02:00:00Z", "2026-13-01T00:00:00Z", "2026-11-30T02:00:00.Z", "2026-11-30T02:00:00+01:00"])
    func otherTextIsNoTimestamp(_ text: String) {
        #expect(InstallTimeout.seconds(text) == nil)
    }
}
