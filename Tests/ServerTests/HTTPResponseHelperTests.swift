import Testing
import Wire

@testable import Server

@Suite("HTTPResponse.json and .error")
struct HTTPResponseHelperTests {
    @Test("json sets the status, Content-Type and a JSON body ending in a newline")
    func json() throws {
        let value = JSONValue.object([("a", .int(1)), ("b", .array([.string("x"), .null]))])
        let response = HTTPResponse.json(201, value)
        #expect(response.status == 201)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.body.last == UInt8(ascii: "\n"))
        #expect(try JSONParser.parse(response.body) == value)
        #expect(response.subjectMAC == nil)
    }

    @Test("error is {\"error\": message} with the status", arguments: [
        (404, "no such endpoint: /x"),
        (400, #"field "a" must be a string, not number"#),
        (500, "line one\nline two\t\\ end"),
        (409, ""),
    ])
    func error(_ status: Int, _ message: String) throws {
        let response = HTTPResponse.error(status, message)
        #expect(response.status == status)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(try JSONParser.parse(response.body) == .object([("error", .string(message))]))
    }

    @Test("APIError maps inventory errors to statuses")
    func apiErrorStatuses() throws {
        let mac = try MACAddress("aa:bb:cc:dd:ee:ff")
        #expect(APIError(.notFound(mac)).status == 404)
        #expect(APIError(.conflict("taken")).status == 409)
        #expect(APIError(.invalid("bad")).status == 400)
        #expect(APIError(.sqlite(code: 1, message: "boom", sql: "SELECT")).status == 500)
        let response = APIError(.conflict("taken")).response
        #expect(try JSONParser.parse(response.body)["error"] == .string("taken"))
    }
}
