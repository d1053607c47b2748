import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: lifecycle transitions")
struct InventoryTransitionTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    @Test("boot-install, fetch-user-data and phone-home bring a machine to installed")
    func installChain() throws {
        let mac = testMAC(1)
        let registered = try inventory.register(mac, spec("a"), source: "api")
        #expect(try inventory.apply(.bootInstall, to: mac, source: "http", detail: "script=install").state == .booting)
        #expect(try inventory.apply(.fetchUserData, to: mac, source: "http").state == .installing)
        let installed = try inventory.apply(.phoneHome, to: mac, source: "http")
        #expect(installed.state == .installed)
        #expect(installed.instanceID == registered.instanceID)
        // The phone-home spent the install token (DESIGN.md §11: one report per token).
        #expect(installed.installToken != registered.installToken)
        #expect(installed.installToken.count == 64)
        #expect(try inventory.machine(mac) == installed)

        let events = try inventory.events(mac)
        #expect(events.map(\.event) == ["register", "boot-install", "fetch-user-data", "phone-home"])
        #expect(events.map(\.from) == [nil, .registered, .booting, .installing])
        #expect(events.map(\.to) == [.registered, .booting, .installing, .installed])
        #expect(events[1].detail == "script=install")
        #expect(events[1].source == "http")
        #expect(events.map(\.id) == events.map(\.id).sorted())
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(events.map(\.at) == events.map(\.at).sorted())
    }

    @Test("a transition applied through a NIC MAC moves the owning machine")
    func throughNIC() throws {
        _ = try inventory.register(testMAC(1), spec("a", nics: [testMAC(2)]), source: "t")
        let machine = try inventory.apply(.bootInstall, to: testMAC(2), source: "dhcp")
        #expect(machine.mac == testMAC(1))
        #expect(try inventory.machine(testMAC(1))?.state == .booting)
    }

    @Test("a refused transition changes nothing and records nothing")
    func refused() throws {
        let mac = testMAC(1)
        let registered = try inventory.register(mac, spec("a"), source: "t")
        let error = inventoryError { () throws(InventoryError) in try inventory.apply(.phoneHome, to: mac, source: "http") }
        #expect(error == .invalidTransition(LifecycleError(event: .phoneHome, state: .registered)))
        #expect(error?.description.contains("phone-home") == true)
        #expect(error?.description.contains("registered") == true)
        #expect(try inventory.machine(mac) == registered)
        #expect(try inventory.events(mac).count == 1)
    }

    @Test("reimage rotates the instance id and install token")
    func reimage() throws {
        let mac = testMAC(1)
        let before = try bring(inventory, mac, to: .ready, hostname: "a")
        let after = try inventory.apply(.reimage, to: mac, source: "operator")
        #expect(after.state == .registered)
        #expect(after.instanceID != before.instanceID)
        #expect(after.installToken != before.installToken)
        #expect(after.instanceID.hasPrefix("i-") && after.instanceID.count == 18)
        #expect(after.installToken.count == 64)
        #expect(try inventory.machine(mac) == after)
        let last = try #require(try inventory.events(mac).last)
        #expect(last.event == "reimage")
        #expect(last.from == .ready)
        #expect(last.to == .registered)
        #expect(last.detail.contains(after.instanceID))
        // And it can be installed again.
        #expect(try inventory.apply(.bootInstall, to: mac, source: "http").state == .booting)
    }

    @Test("install failure, reimage from failed, hooks")
    func failures() throws {
        try bring(inventory, testMAC(1), to: .installing, hostname: "a")
        #expect(try inventory.apply(.installFailed, to: testMAC(1), source: "t").state == .failed)
        #expect(try inventory.apply(.reimage, to: testMAC(1), source: "t").state == .registered)
        try bring(inventory, testMAC(2), to: .installed, hostname: "b")
        #expect(try inventory.apply(.hooksFailed, to: testMAC(2), source: "hooks").state == .failed)
        try bring(inventory, testMAC(3), to: .installed, hostname: "c")
        #expect(try inventory.apply(.hooksSucceeded, to: testMAC(3), source: "hooks").state == .ready)
    }

    @Test("retire, and nothing moves a retired machine")
    func retire() throws {
        try bring(inventory, testMAC(1), to: .ready, hostname: "a")
        let retired = try inventory.apply(.retire, to: testMAC(1), source: "operator")
        #expect(retired.state == .retired)
        for event in LifecycleEvent.allCases {
            #expect(inventoryError { () throws(InventoryError) in try inventory.apply(event, to: testMAC(1), source: "t") }?.lifecycleError != nil)
        }
        #expect(try inventory.machine(testMAC(1)) == retired)
        #expect(try inventory.events(testMAC(1)).last?.event == "retire")
    }

    @Test("record adds a non-transition row in the current state")
    func record() throws {
        try bring(inventory, testMAC(1), to: .installing, hostname: "a")
        try inventory.record("phone-home-refused", for: testMAC(1), source: "http", detail: "bad token")
        let last = try #require(try inventory.events(testMAC(1)).last)
        #expect(last.event == "phone-home-refused")
        #expect(last.from == .installing && last.to == .installing)
        #expect(last.detail == "bad token")
        #expect(try inventory.machine(testMAC(1))?.state == .installing)
    }

    @Test("every state × event pair through the database", arguments: MachineState.allCases, LifecycleEvent.allCases)
    func pairThroughDatabase(_ state: MachineState, _ event: LifecycleEvent) throws {
        let mac = testMAC(1)
        let before = try bring(inventory, mac, to: state, hostname: "a")
        let eventsBefore = try inventory.events(mac)
        if let expected = ExpectedLifecycle.target(of: event, from: state) {
            // adopt needs the operator's details; the others are plain transitions.
            let after = event == .adopt
                ? try inventory.adopt(mac, spec("adopted"), source: "t")
                : try inventory.apply(event, to: mac, source: "t")
            #expect(after.state == expected)
            #expect(try inventory.machine(mac) == after)
            let events = try inventory.events(mac)
            #expect(events.count == eventsBefore.count + 1)
            #expect(events.last?.event == event.rawValue)
            #expect(events.last?.from == state)
            #expect(events.last?.to == expected)
            #expect((after.instanceID != before.instanceID) == (event == .reimage))
        } else {
            let error = inventoryError { () throws(InventoryError) in try inventory.apply(event, to: mac, source: "t") }
            #expect(error == .invalidTransition(LifecycleError(event: event, state: state)))
            #expect(try inventory.machine(mac) == before)
            #expect(try inventory.events(mac) == eventsBefore)
        }
    }
}
