import Boot
import Inventory
import Net
import Testing
import Wire

@testable import Server

/// The sweeper against a real inventory (no sockets, no timer): which machines it fails, with
/// which limit, and that a report that came first wins.
@Suite struct InstallTimeoutSweeperTests {
    let fixture: AdminFixture
    let lastSeen = BootPlaneLastSeen()
    let sweeper: InstallTimeoutSweeper
    let quick = try! MACAddress("52:54:00:00:70:01")
    let slow = try! MACAddress("52:54:00:00:70:02")

    init() throws {
        fixture = try AdminFixture()
        // "slow" machines' profile allows two hours; the server allows one.
        let profile = try CompiledProfile(Profile(name: "slow", kernel: nil, initrds: [], cmdline: "", installTimeout: 7200), sources: [:])
        sweeper = InstallTimeoutSweeper(inventory: fixture.inventory, profiles: ProfileCatalog(profiles: [profile]), globalLimit: 3600,
                                        lastSeen: lastSeen, log: Logger(component: "test", minimum: .error))
        _ = try fixture.inventory.register(quick, MachineSpec(hostname: "q1", profile: "debian"), source: "t")
        _ = try fixture.inventory.register(slow, MachineSpec(hostname: "s1", profile: "slow"), source: "t")
        for mac in [quick, slow] { _ = try fixture.inventory.apply(.fetchUserData, to: mac, source: "http") }
    }

    /// Now plus `seconds`, as the inventory writes times.
    private func later(_ seconds: Int) -> String {
        Timestamp.format(seconds: Timestamp.unixNow() + seconds, milliseconds: 0)
    }

    @Test func failsEachMachineAtItsOwnLimitWithWhatWasLastSeen() throws {
        lastSeen.record(mac: quick.description, .init(method: "GET", path: "/cloud-init/\(quick)/user-data", status: 200,
                                                      from: try SocketAddress("10.0.0.31:40000"), at: Timestamp.unixMilliseconds()))
        sweeper.sweep(now: later(1800))
        #expect(try fixture.inventory.machine(quick)?.state == .installing)
        sweeper.sweep(now: later(3700))
        #expect(try fixture.inventory.machine(quick)?.state == .failed)
        #expect(try fixture.inventory.machine(slow)?.state == .installing)
        let event = try #require(try fixture.inventory.events(quick).last)
        #expect(event.event == "install-timed-out" && event.source == "timeout")
        #expect(event.detail.hasPrefix("no report within 60 min (installing since "))
        #expect(event.detail.contains("; last seen: GET /cloud-init/\(quick)/user-data (200) from 10.0.0.31 at "))
        sweeper.sweep(now: later(7300))
        #expect(try fixture.inventory.machine(slow)?.state == .failed)
        #expect(try fixture.inventory.events(slow).last?.detail.hasSuffix("last seen: no boot-plane request since provisiond started") == true)
        // Failed machines are not swept again.
        sweeper.sweep(now: later(99999))
        #expect(try fixture.inventory.events(quick).filter { $0.event == "install-timed-out" }.count == 1)
    }

    @Test func aMachineThatReportedIsLeftAlone() throws {
        _ = try fixture.inventory.apply(.phoneHome, to: quick, source: "http")
        sweeper.sweep(now: later(99999))
        #expect(try fixture.inventory.machine(quick)?.state != .failed)
    }

    @Test func pollsAtAQuarterOfTheShortestLimit() {
        #expect(sweeper.interval == 30)
        let short = InstallTimeoutSweeper(inventory: fixture.inventory, profiles: ProfileCatalog(profiles: []), globalLimit: 1.5,
                                          lastSeen: lastSeen, log: Logger(component: "test", minimum: .error))
        #expect(short.interval == 0.375)
    }
}
