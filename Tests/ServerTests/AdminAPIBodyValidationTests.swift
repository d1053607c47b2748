import Testing
import Wire

@testable import Server

/// Bad request bodies and bad MACs are 400 with a message that names what was wrong.
@Suite("AdminAPI: request validation")
struct AdminAPIBodyValidationTests {
    @Test("a bad MAC in the body is 400 naming the input")
    func badMACInBody() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"zz:not:a:mac","hostname":"a","profile":"debian"}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"zz:not:a:mac\""))
    }

    @Test("a bad MAC in the path is 400 naming the input", arguments: [
        ("GET", "/api/v1/machines/not-a-mac"),
        ("PATCH", "/api/v1/machines/not-a-mac"),
        ("DELETE", "/api/v1/machines/not-a-mac"),
        ("GET", "/api/v1/machines/not-a-mac/events"),
        ("POST", "/api/v1/machines/not-a-mac/retire"),
    ])
    func badMACInPath(_ method: String, _ target: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send(method, target)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"not-a-mac\""))
    }

    @Test("an unknown field is 400 naming the field")
    func unknownField() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:10","hostname":"a","profile":"debian","colour":"red"}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"colour\""))
        #expect(try fixture.inventory.machine(MACAddress("aa:bb:cc:dd:ee:10")) == nil)
    }

    @Test("a field of the wrong JSON type is 400 naming the field and the type")
    func wrongType() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:11","hostname":5,"profile":"debian"}"#)
        #expect(response.status == 400)
        let message = try response.errorMessage()
        #expect(message.contains("\"hostname\""))
        #expect(message.contains("number"))
    }

    @Test("a body that is not a JSON object is 400", arguments: ["[1,2]", "\"text\"", "42"])
    func notAnObject(_ body: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines", body: body)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("JSON object"))
    }

    @Test("malformed JSON is 400", arguments: ["{", #"{"mac":}"#, "{'mac':'x'}", #"{"mac":"aa:bb:cc:dd:ee:12"} x"#])
    func malformedJSON(_ body: String) throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines", body: body)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("invalid JSON"))
    }

    @Test("a missing hostname is 400 naming the field")
    func missingHostname() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines", body: #"{"mac":"aa:bb:cc:dd:ee:13","profile":"debian"}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"hostname\""))
    }

    @Test("an empty body on register is 400 for the missing mac")
    func emptyRegisterBody() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines", body: "  \n")
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("\"mac\""))
    }

    @Test("an invalid hostname is 400 from the inventory's rules")
    func invalidHostname() throws {
        let fixture = try AdminFixture()
        let response = try fixture.send("POST", "/api/v1/machines",
                                        body: #"{"mac":"aa:bb:cc:dd:ee:14","hostname":"-bad-","profile":"debian"}"#)
        #expect(response.status == 400)
        #expect(try response.errorMessage().contains("-bad-"))
    }
}
