import Testing
import Wire

@testable import Server

@Suite("AdminAPI: POST /api/v1/machines")
struct AdminAPIRegisterTests {
    @Test("register answers 201 with Location and the machine in canonical form")
    func registerCreated() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"AA-BB-CC-DD-EE-01","hostname":"Node1","profile":"debian"}"#)
        #expect(response.status == 201)
        #expect(response.headers["Location"] == "/api/v1/machines/aa:bb:cc:dd:ee:01")
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.subjectMAC == "aa:bb:cc:dd:ee:01")
        let body = try response.json()
        #expect(body["mac"] == .string("aa:bb:cc:dd:ee:01"))
        #expect(body["hostname"] == .string("node1"))
        #expect(body["profile"] == .string("debian"))
        #expect(body["state"] == .string("registered"))
        #expect(body["role"] == .null)
    }

    @Test("the install token appears nowhere in the answer")
    func noInstallToken() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:02","hostname":"node2","profile":"debian"}"#)
        #expect(response.status == 201)
        let machine = try #require(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:02")))
        #expect(!machine.installToken.isEmpty)
        #expect(!response.text.contains(machine.installToken))
        let keys = try #require(try response.json().objectValue).map(\.0)
        #expect(!keys.contains { $0.lowercased().contains("token") })
    }

    @Test("the same MAC in another spelling is 409")
    func duplicateMAC() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:03", hostname: "first")
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aabb.ccdd.ee03","hostname":"second","profile":"debian"}"#)
        #expect(response.status == 409)
        #expect(try response.errorMessage().contains("aa:bb:cc:dd:ee:03"))
    }

    @Test("a hostname another machine has (in any case) is 409")
    func duplicateHostname() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:04", hostname: "web1")
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:05","hostname":"WEB1","profile":"debian"}"#)
        #expect(response.status == 409)
        #expect(try response.errorMessage().contains("web1"))
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:05")) == nil)
    }

    @Test("registering a discovered MAC is 409 pointing at adopt")
    func registerDiscovered() throws {
        let fixture = try AdminFixture()
        _ = try fixture.inventory.discover(MACAddress("aa:bb:cc:dd:ee:06"), source: "dhcp", detail: "")
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:06","hostname":"n6","profile":"debian"}"#)
        #expect(response.status == 409)
        #expect(try response.errorMessage().contains("adopt"))
    }

    @Test("a MAC that is another machine's NIC is 409, as primary or as NIC")
    func macTakenAsNIC() throws {
        let fixture = try AdminFixture()
        try fixture.register("aa:bb:cc:dd:ee:07", hostname: "owner", extra: #","nics":["aa:bb:cc:dd:ee:08"]"#)
        let asPrimary = try fixture.send("POST", "/api/v1/machines",
                                         body: #"{"mac":"aa:bb:cc:dd:ee:08","hostname":"thief","profile":"debian"}"#)
        #expect(asPrimary.status == 409)
        #expect(try asPrimary.errorMessage().contains("aa:bb:cc:dd:ee:07"))
        let asNIC = try fixture.send("POST", "/api/v1/machines",
                                     body: #"{"mac":"aa:bb:cc:dd:ee:09","hostname":"thief","profile":"debian","nics":["aa:bb:cc:dd:ee:08"]}"#)
        #expect(asNIC.status == 409)
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:09")) == nil)
    }
}
