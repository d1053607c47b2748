import Testing
import Wire

@Suite("HTTPResponse")
struct HTTPResponseTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func headLines(_ response: HTTPResponse, keepAlive: Bool) -> [String] {
        let head = text(response.encodeHead(keepAlive: keepAlive))
        #expect(head.hasSuffix("\r\n\r\n"))
        return head.components(separatedBy: "\r\n").dropLast(2).map { $0 }
    }

    @Test("status line, fields in order, Content-Length of the body")
    func head() {
        var response = HTTPResponse(status: 404, contentType: "text/plain; charset=utf-8", body: "no such machine")
        response.headers.add("X-Request", "7")
        let lines = headLines(response, keepAlive: true)
        #expect(lines == [
            "HTTP/1.1 404 Not Found",
            "Content-Type: text/plain; charset=utf-8",
            "X-Request: 7",
            "Content-Length: 15",
        ])
    }

    @Test("Connection: close only when the connection ends")
    func connectionClose() {
        let response = HTTPResponse(status: 200, body: Array("ok".utf8))
        #expect(!headLines(response, keepAlive: true).contains { $0.lowercased().hasPrefix("connection:") })
        let closing = headLines(response, keepAlive: false)
        #expect(closing.filter { $0.lowercased().hasPrefix("connection:") } == ["Connection: close"])
    }

    @Test("an existing Content-Length field is replaced, not duplicated", arguments: ["Content-Length", "content-length", "CONTENT-LENGTH"])
    func noDuplicateContentLength(_ name: String) {
        let response = HTTPResponse(status: 200, headers: [name: "999", "ETag": "\"x\""], body: Array("four".utf8))
        let lengths = headLines(response, keepAlive: true).filter { $0.lowercased().hasPrefix("content-length:") }
        #expect(lengths == ["Content-Length: 4"])
    }

    @Test("empty body says Content-Length: 0")
    func emptyBody() {
        #expect(headLines(HTTPResponse(status: 200), keepAlive: true) == ["HTTP/1.1 200 OK", "Content-Length: 0"])
    }

    @Test("204 and 304 carry no Content-Length (RFC 9110 §8.6)", arguments: [204, 304])
    func noContentLength(status: Int) {
        #expect(headLines(HTTPResponse(status: status), keepAlive: true) == ["HTTP/1.1 \(status) \(HTTPResponse.reasonPhrase(status))"])
    }

    @Test("a file body's length is the Content-Length; encode leaves the file to the server")
    func fileBody() {
        var response = HTTPResponse(status: 206)
        response.file = HTTPResponse.FileRange(descriptor: -1, offset: 100, length: 4096)
        #expect(headLines(response, keepAlive: true).contains("Content-Length: 4096"))
        #expect(response.encode(keepAlive: true) == response.encodeHead(keepAlive: true))
    }

    @Test("encode appends the body unless told not to (HEAD)")
    func encodeBody() {
        let response = HTTPResponse(status: 200, contentType: "application/octet-stream", body: "\u{0}\u{1}binary")
        let head = response.encodeHead(keepAlive: true)
        #expect(response.encode(keepAlive: true) == head + response.body)
        let headOnly = response.encode(keepAlive: true, includeBody: false)
        #expect(headOnly == head)
        #expect(text(headOnly).contains("Content-Length: 8\r\n"))
        #expect(response.encode(keepAlive: false, includeBody: false) == response.encodeHead(keepAlive: false))
    }

    @Test("reason phrases", arguments: [
        (200, "OK"), (206, "Partial Content"), (304, "Not Modified"), (400, "Bad Request"), (401, "Unauthorized"),
        (404, "Not Found"), (409, "Conflict"), (413, "Content Too Large"), (416, "Range Not Satisfiable"),
        (431, "Request Header Fields Too Large"), (500, "Internal Server Error"), (501, "Not Implemented"),
        (505, "HTTP Version Not Supported"),
    ])
    func reasonPhrases(_ status: Int, _ phrase: String) {
        #expect(HTTPResponse.reasonPhrase(status) == phrase)
        #expect(text(HTTPResponse(status: status).encodeHead(keepAlive: true)).hasPrefix("HTTP/1.1 \(status) \(phrase)\r\n"))
    }

    @Test("an encoded response parses back as a response would on the wire")
    func roundTripShape() {
        let response = HTTPResponse(status: 201, headers: ["Location": "/api/v1/machines/aa:bb:cc:dd:ee:ff"], body: Array("{}".utf8))
        let wire = text(response.encode(keepAlive: false))
        #expect(wire == "HTTP/1.1 201 Created\r\nLocation: /api/v1/machines/aa:bb:cc:dd:ee:ff\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }
}
