import Testing
import Wire

@Suite("HTTPRequest: target, path and query")
struct HTTPRequestTargetTests {
    private func request(target: String) throws -> HTTPRequest {
        try #require(try parseOne("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n"))
    }

    @Test("query decoding: %20, +, repeated keys, missing '='")
    func queryDecoding() throws {
        let request = try request(target: "/x?a=1&a=2&flag&name=John%20Doe&q=a+b&empty=&plus=%2B&eq=a=b&&u=%C3%A9")
        #expect(request.query == [
            .init(name: "a", value: "1"),
            .init(name: "a", value: "2"),
            .init(name: "flag", value: ""),
            .init(name: "name", value: "John Doe"),
            .init(name: "q", value: "a b"),
            .init(name: "empty", value: ""),
            .init(name: "plus", value: "+"),
            .init(name: "eq", value: "a=b"),
            .init(name: "u", value: "é"),
        ])
        #expect(request.queryValue("a") == "1")
        #expect(request.queryValue("flag") == "")
        #expect(request.queryValue("missing") == nil)
        #expect(request.path == "/x")
    }

    @Test("no query, empty query")
    func emptyQuery() throws {
        #expect(try request(target: "/x").query.isEmpty)
        let withMark = try request(target: "/x?")
        #expect(withMark.query.isEmpty)
        #expect(withMark.path == "/x")
    }

    @Test("path percent-decoding; '+' in a path stays a plus")
    func pathDecoding() throws {
        let request = try request(target: "/cloud-init/52%3a54%3A00%3A12%3A34%3A56/user%20data+x")
        #expect(request.path == "/cloud-init/52:54:00:12:34:56/user data+x")
        #expect(request.target == "/cloud-init/52%3a54%3A00%3A12%3A34%3A56/user%20data+x")
    }

    @Test("bad percent escapes are a 400", arguments: [
        "/a%zz", "/a%4", "/a%", "/%g0", "/a%ff", "/x?a=%G1", "/x?a%=1", "/x?q=%C3",
    ])
    func badEscape(_ target: String) throws {
        let error = try #require(parseError("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(error.kind == "malformedRequestLine")
        #expect(error.status == 400)
    }

    @Test("absolute-form target keeps only path and query")
    func absoluteForm() throws {
        let request = try request(target: "http://prov.lan:8080/boot.ipxe?mac=aa%3Abb")
        #expect(request.target == "http://prov.lan:8080/boot.ipxe?mac=aa%3Abb")
        #expect(request.path == "/boot.ipxe")
        #expect(request.query == [.init(name: "mac", value: "aa:bb")])
        #expect(try self.request(target: "http://prov.lan").path == "/")
        #expect(try self.request(target: "https://prov.lan/a/b").path == "/a/b")
    }

    @Test("an origin-form target whose query holds a URL is not read as absolute-form")
    func urlInQuery() throws {
        let request = try request(target: "/boot.ipxe?next=http://prov.lan/x")
        #expect(request.path == "/boot.ipxe")
        #expect(request.query == [.init(name: "next", value: "http://prov.lan/x")])
    }

    @Test("absolute-form with a query but no path")
    func absoluteFormQueryWithoutPath() throws {
        let request = try request(target: "http://prov.lan?mac=aa")
        #expect(request.path == "/")
        #expect(request.query == [.init(name: "mac", value: "aa")])
    }

    @Test("HTTPRequest init decodes like the parser")
    func directInit() throws {
        let request = try HTTPRequest(method: "GET", target: "/a%20b?x=1+2")
        #expect(request.path == "/a b")
        #expect(request.queryValue("x") == "1 2")
        #expect(throws: HTTPParseError.self) { try HTTPRequest(method: "GET", target: "/bad%") }
    }
}
