import Testing
import Wire

@testable import Server

@Suite("AdminAPI: GET /api/v1/machines")
struct AdminAPIListTests {
    private func macs(_ response: HTTPResponse) throws -> [String] {
        let machines = try #require(try response.json()["machines"]?.arrayValue)
        return machines.compactMap { $0["mac"]?.stringValue }
    }

    @Test("an empty inventory lists no machines")
    func empty() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines")
        #expect(response.status == 200)
        #expect(try response.json() == .object([("machines", .array([]))]))
    }

    @Test("?state= keeps only machines in that state")
    func stateFilter() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:40", hostname: "reg")
        _ = try fixture.inventory.discover(MACAddress("aa:bb:cc:dd:ee:41"), source: "dhcp", detail: "")
        #expect(try macs(fixture.send("GET", "/api/v1/machines")).sorted() == ["aa:bb:cc:dd:ee:40", "aa:bb:cc:dd:ee:41"])
        #expect(try macs(fixture.send("GET", "/api/v1/machines?state=registered")) == ["aa:bb:cc:dd:ee:40"])
        #expect(try macs(fixture.send("GET", "/api/v1/machines?state=discovered")) == ["aa:bb:cc:dd:ee:41"])
        #expect(try macs(fixture.send("GET", "/api/v1/machines?state=ready")) == [])
    }

    @Test("an unknown state is 400 naming it", arguments: ["bogus", "", "Registered"])
    func badState(_ state: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("GET", "/api/v1/machines?state=\(state)")
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"\(state)\""))
    }
}
