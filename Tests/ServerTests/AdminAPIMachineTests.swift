import Testing
import Wire

@testable import Server

@Suite("AdminAPI: GET, PATCH and DELETE /api/v1/machines/{mac}")
struct AdminAPIMachineTests {
    @Test("a machine is found by the MAC of one of its extra NICs")
    func getByNIC() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:20", hostname: "multi", extra: #","nics":["AA:BB:CC:DD:EE:99"]"#)
        let response = try fixture.send("GET", "/api/v1/machines/aa-bb-cc-dd-ee-99")
        #expect(response.status == 200)
        let body = try response.json()
        #expect(body["mac"] == .string("aa:bb:cc:dd:ee:20"))
        #expect(body["nics"] == .array([.string("aa:bb:cc:dd:ee:99")]))
    }

    @Test("GET of an unknown MAC is 404 naming it")
    func getUnknown() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines/AABBCCDDEE21")
        #expect(response.status == 404)
        #expect(try response.errorMessage().contains("aa:bb:cc:dd:ee:21"))
    }

    @Test("PATCH changes the hostname and an explicit null clears the role")
    func patchClearsRole() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:22", hostname: "old", extra: #","role":"worker""#)
        let response = try fixture.send("PATCH", "/api/v1/machines/aa:bb:cc:dd:ee:22", body: #"{"hostname":"New","role":null}"#)
        #expect(response.status == 200)
        let body = try response.json()
        #expect(body["hostname"] == .string("new"))
        #expect(body["role"] == .null)
        #expect(body["cluster"] == .null)
        let stored = try #require(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:22")))
        #expect(stored.role == nil)
        #expect(stored.hostname == "new")
    }

    @Test("PATCH with an empty body (or {}) is 400 and changes nothing", arguments: ["", "{}"])
    func patchEmpty(_ body: String) throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:23", hostname: "same")
        let response = try fixture.send("PATCH", "/api/v1/machines/aa:bb:cc:dd:ee:23", body: body)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("nothing to update"))
    }

    @Test("PATCH refuses a null hostname, which cannot be cleared")
    func patchNullHostname() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:24", hostname: "keep")
        let response = try fixture.send("PATCH", "/api/v1/machines/aa:bb:cc:dd:ee:24", body: #"{"hostname":null}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"hostname\""))
    }

    @Test("DELETE is 204 with no body, and the machine is gone afterwards")
    func deleteThenGet() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:25", hostname: "doomed")
        let deleted = try fixture.send("DELETE", "/api/v1/machines/aa:bb:cc:dd:ee:25")
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        #expect(try fixture.send("GET", "/api/v1/machines/aa:bb:cc:dd:ee:25").status == 404)
        #expect(try fixture.send("DELETE", "/api/v1/machines/aa:bb:cc:dd:ee:25").status == 404)
    }
}
