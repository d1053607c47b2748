import Inventory
import Testing
import Wire

@testable import Server

@Suite("AdminAPI: events, adopt, reimage and retire")
struct AdminAPILifecycleTests {
    @Test("the timeline after register and retire has both transitions with from and to")
    func eventsAfterRetire() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:30", hostname: "gone")
        #expect(try fixture.send("POST", "/api/v1/machines/aa:bb:cc:dd:ee:30/retire").status == 200)
        let response = try fixture.send("GET", "/api/v1/machines/aa:bb:cc:dd:ee:30/events")
        #expect(response.status == 200)
        let events = try #require(try response.json()["events"]?.arrayValue)
        try #require(events.count == 2)
        #expect(events[0]["event"] == .string("register"))
        #expect(events[0]["from"] == .null)
        #expect(events[0]["to"] == .string("registered"))
        #expect(events[0]["source"] == .string("api"))
        #expect(events[1]["event"] == .string("retire"))
        #expect(events[1]["from"] == .string("registered"))
        #expect(events[1]["to"] == .string("retired"))
        #expect(events[0]["id"]?.intValue != nil)
    }

    @Test("adopting a discovered machine is 200 and makes it registered with the given fields")
    func adoptDiscovered() throws {
        let fixture = try AdminFixture()
        _ = try fixture.inventory.discover(MACAddress("aa:bb:cc:dd:ee:31"), source: "dhcp", detail: "arch=7")
        let response = try fixture.send("POST", "/api/v1/machines/AA:BB:CC:DD:EE:31/adopt",
                                        body: #"{"hostname":"Found","profile":"debian","role":"worker"}"#)
        #expect(response.status == 200)
        let body = try response.json()
        #expect(body["state"] == .string("registered"))
        #expect(body["hostname"] == .string("found"))
        #expect(body["role"] == .string("worker"))
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:31"))?.state == .registered)
    }

    @Test("adopting a registered machine is 409")
    func adoptRegistered() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:32", hostname: "known")
        let response = try fixture.send("POST", "/api/v1/machines/aa:bb:cc:dd:ee:32/adopt", body: #"{"hostname":"x","profile":"debian"}"#)
        #expect(response.status == 409)
        #expect(try response.errorMessage().contains("registered"))
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:32"))?.hostname == "known")
    }

    @Test("adopt without hostname is 400")
    func adoptMissingHostname() throws {
        let fixture = try AdminFixture()
        _ = try fixture.inventory.discover(MACAddress("aa:bb:cc:dd:ee:33"), source: "dhcp", detail: "")
        let response = try fixture.send("POST", "/api/v1/machines/aa:bb:cc:dd:ee:33/adopt", body: #"{"profile":"debian"}"#)
        #expect(response.status == 400)
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:33"))?.state == .discovered)
    }

    @Test("reimage of a registered machine is 409")
    func reimageRegistered() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:34", hostname: "fresh")
        let response = try fixture.send("POST", "/api/v1/machines/aa:bb:cc:dd:ee:34/reimage")
        #expect(response.status == 409)
        #expect(try response.errorMessage().contains("reimage"))
    }

    @Test("reimage of a booting machine is 200, back to registered with a new instance-id")
    func reimageBooting() throws {
        let fixture = try AdminFixture()
        let mac = try MACAddress("aa:bb:cc:dd:ee:35")
        let registered = try fixture.register(mac.description, hostname: "again")
        let before = try #require(registered["instanceId"]?.stringValue)
        _ = try fixture.inventory.apply(.bootInstall, to: mac, source: "test")
        let response = try fixture.send("POST", "/api/v1/machines/\(mac)/reimage", body: #"{"reason":"disk swapped"}"#)
        #expect(response.status == 200)
        let body = try response.json()
        #expect(body["state"] == .string("registered"))
        let after = try #require(body["instanceId"]?.stringValue)
        #expect(after != before)
        #expect(try fixture.inventory.machine(mac)?.instanceID == after)
    }

    @Test("retire records the reason as the event detail")
    func retireReason() throws {
        let fixture = try AdminFixture()
        let mac = try MACAddress("aa:bb:cc:dd:ee:36")
        try fixture.register(mac.description, hostname: "old-box")
        let response = try fixture.send("POST", "/api/v1/machines/\(mac)/retire", body: #"{"reason":"x"}"#)
        #expect(response.status == 200)
        #expect(try response.json()["state"] == .string("retired"))
        let last = try #require(try fixture.inventory.events(mac).last)
        #expect(last.event == "retire")
        #expect(last.detail == "x")
    }

    @Test("retire refuses body fields other than reason")
    func retireUnknownField() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:37", hostname: "stay")
        let response = try fixture.send("POST", "/api/v1/machines/aa:bb:cc:dd:ee:37/retire", body: #"{"why":"x"}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"why\""))
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:37"))?.state == .registered)
    }
}
