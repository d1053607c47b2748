import Testing
import Wire

@Suite("HTTPRequestParser: request line and header validation")
struct HTTPHeadValidationTests {
    @Test("unsupported HTTP versions are a 505", arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3"])
    func unsupportedVersion(_ version: String) {
        let error = parseError("GET / \(version)\r\nHost: a\r\n\r\n")
        #expect(error == .unsupportedVersion(version))
        #expect(error?.status == 505)
    }

    @Test("a garbage version or request line is a 400", arguments: [
        "GET / FOO/1.1", "GET / http/1.1", "GET / 1.1", "GET /", "GET", "GET  / HTTP/1.1", "GET / HTTP/1.1 x",
        " GET / HTTP/1.1", "G(T / HTTP/1.1", "GET /a\u{7F}b HTTP/1.1", "GET / HTTP/1.1 ",
    ])
    func garbageRequestLine(_ line: String) {
        let error = parseError(line + "\r\nHost: a\r\n\r\n")
        #expect(error?.kind == "malformedRequestLine")
        #expect(error?.status == 400)
    }

    @Test("HTTP/1.1 without Host is a 400; HTTP/1.0 without Host is fine")
    func missingHost() throws {
        let error = parseError("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n")
        #expect(error == .missingHost)
        #expect(error?.status == 400)
        let request = try parseOne("GET / HTTP/1.0\r\nAccept: */*\r\n\r\n")
        #expect(request?.minorVersion == 0)
        #expect(try parseOne("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n") != nil)
    }

    @Test("obsolete line folding is a 400")
    func obsFold() {
        for fold in [" two", "\ttwo"] {
            let error = parseError("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n\(fold)\r\n\r\n")
            #expect(error?.kind == "malformedHeader")
            #expect(error?.status == 400)
        }
    }

    @Test("malformed header fields are a 400", arguments: [
        "Host : a",        // whitespace before the colon
        "Host\t: a",
        "NoColon",
        ": empty-name",
        "Bad Name: x",
        "X-Ctl: a\u{01}b",
        "X-Del: a\u{7F}",
        "X-CR: a\rb",
    ])
    func malformedHeader(_ field: String) {
        let error = parseError("GET / HTTP/1.1\r\nHost: a\r\n\(field)\r\n\r\n")
        #expect(error?.kind == "malformedHeader")
        #expect(error?.status == 400)
    }

    @Test("after an error the parser keeps throwing the same error")
    func stickyError() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("GET / HTTP/2.0\r\nHost: a\r\n\r\n"))
        let first = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        let second = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        let third = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        #expect(first == .unsupportedVersion("HTTP/2.0"))
        #expect(second == first)
        #expect(third == first)
    }

    @Test("every error maps to its status and describes itself")
    func statuses() {
        let cases: [(HTTPParseError, Int)] = [
            (.headerTooLarge(limit: 1), 431), (.tooManyHeaders(limit: 1), 431), (.bodyTooLarge(length: 2, limit: 1), 413),
            (.malformedRequestLine("x"), 400), (.malformedHeader("x"), 400), (.unsupportedVersion("HTTP/2"), 505),
            (.invalidContentLength("x"), 400), (.conflictingFraming, 400), (.unsupportedTransferEncoding("gzip"), 501),
            (.malformedChunk("x"), 400), (.missingHost, 400),
        ]
        for (error, status) in cases {
            #expect(error.status == status, "\(error)")
            #expect(!error.description.isEmpty)
        }
        #expect(HTTPParseError.unsupportedTransferEncoding("gzip").description.contains("gzip"))
        #expect(HTTPParseError.bodyTooLarge(length: 11, limit: 10).description.contains("11"))
    }
}
