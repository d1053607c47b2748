import Testing

@testable import Wire

@Suite("HTTPResponseDecoder: provisionctl reading provisiond's answers")
struct HTTPResponseDecoderTests {
    /// Feeds `text` in pieces of `size` bytes; the response once complete, and whether it came
    /// only with the last piece.
    static func decode(_ text: String, in size: Int) throws -> HTTPResponseDecoder.Response? {
        var decoder = HTTPResponseDecoder()
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: size) {
            if let response = try decoder.consume(Array(bytes[start..<min(start + size, bytes.count)])) {
                #expect(start + size >= bytes.count, "complete before its last byte")
                return response
            }
        }
        return nil
    }

    @Test("a Content-Length body, whole or a byte at a time (provisiond's framing)", arguments: [1, 7, 4096])
    func contentLength(size: Int) throws {
        let text = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}"
        let response = try #require(try Self.decode(text, in: size))
        #expect(response.status == 201 && response.headers["content-type"] == "application/json")
        #expect(response.body == Array("{\"ok\":true}".utf8))
    }

    @Test("a chunked body (RFC 9112 §7.1), as a proxy in front might send it", arguments: [1, 5, 4096])
    func chunked(size: Int) throws {
        let text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n"
        #expect(try Self.decode(text, in: size)?.body == Array("{\"a\":1}".utf8))
    }

    @Test("no length: the body runs to the close (RFC 9112 §6.3), and a 204 has none")
    func untilCloseAndNoContent() throws {
        var decoder = HTTPResponseDecoder()
        #expect(try decoder.consume(Array("HTTP/1.0 200 OK\r\n\r\npartial".utf8)) == nil)
        #expect(try decoder.consume(Array(" body".utf8)) == nil)
        #expect(try decoder.finish().body == Array("partial body".utf8))
        #expect(try Self.decode("HTTP/1.1 204 No Content\r\n\r\n", in: 4096)?.body == [])
    }

    @Test("a close before the end is an error naming where, not a short answer")
    func truncated() throws {
        var early = HTTPResponseDecoder()
        _ = try early.consume(Array("HTTP/1.1 200 OK\r\nContent-Le".utf8))
        #expect(throws: HTTPParseError.incompleteResponse("the connection closed before the header section ended")) { try early.finish() }
        var short = HTTPResponseDecoder()
        _ = try short.consume(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(throws: HTTPParseError.incompleteResponse("the connection closed before the body ended")) { try short.finish() }
    }

    @Test("what is no HTTP response is refused with the reason", arguments: [
        ("SSH-2.0-OpenSSH_9.2\r\n\r\n", HTTPParseError.malformedStatusLine("\"SSH-2.0-OpenSSH_9.2\"")),
        ("HTTP/1.1 2000 OK\r\n\r\n", .malformedStatusLine("\"HTTP/1.1 2000 OK\"")),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", .invalidContentLength("-1")),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding("gzip")),
        ("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", .malformedHeader("no colon in \"no colon\"")),
    ])
    func refused(text: String, error: HTTPParseError) {
        var decoder = HTTPResponseDecoder()
        #expect(throws: error) { try decoder.consume(Array(text.utf8)) }
    }

    @Test("a header section past the limit is refused before it ends")
    func headLimit() {
        var decoder = HTTPResponseDecoder(limits: HTTPLimits(maxHeaderBytes: 64))
        #expect(throws: HTTPParseError.headerTooLarge(limit: 64)) {
            try decoder.consume(Array(("HTTP/1.1 200 OK\r\nX-Filler: " + String(repeating: "a", count: 80)).utf8))
        }
    }
}
