import Testing
import Wire

@Suite("HTTPRequestParser: size limits")
struct HTTPParserLimitsTests {
    @Test("a header section that never ends fails once it passes the limit (431)")
    func headerNeverEnds() throws {
        let limits = HTTPLimits(maxHeaderBytes: 256)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Filler: "))
        while parser.bufferedByteCount < 256 {
            parser.append([UInt8(ascii: "a")])
            #expect(try parser.nextRequest() == nil)
        }
        parser.append([UInt8(ascii: "a")])
        let error = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        #expect(error == .headerTooLarge(limit: 256))
        #expect(error?.status == 431)
    }

    @Test("a big feed without a blank line fails at once")
    func bigFeedWithoutEnd() {
        let data = bytes("GET / HTTP/1.1\r\n") + Array(repeating: UInt8(ascii: "x"), count: 20_000)
        #expect(parseError(data) == .headerTooLarge(limit: HTTPLimits().maxHeaderBytes))
        #expect(parseError(data, limits: HTTPLimits(maxHeaderBytes: 100)) == .headerTooLarge(limit: 100))
    }

    @Test("a complete head over the limit is refused; one within it is read")
    func completeHeadOverLimit() throws {
        let head = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 200) + "\r\n\r\n"
        let size = head.utf8.count
        #expect(parseError(head, limits: HTTPLimits(maxHeaderBytes: size - 1)) == .headerTooLarge(limit: size - 1))
        #expect(try parseOne(head, limits: HTTPLimits(maxHeaderBytes: size)) != nil)
    }

    @Test("too many header fields is a 431")
    func tooManyHeaders() throws {
        let limits = HTTPLimits(maxHeaderCount: 3)
        let three = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n"
        #expect(try parseOne(three, limits: limits) != nil)
        let four = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        let error = parseError(four, limits: limits)
        #expect(error == .tooManyHeaders(limit: 3))
        #expect(error?.status == 431)
    }

    @Test("Content-Length over the body limit is a 413 before the body arrives")
    func bodyTooLarge() throws {
        let limits = HTTPLimits(maxBodyBytes: 10)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"))
        let error = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        #expect(error == .bodyTooLarge(length: 11, limit: 10))
        #expect(error?.status == 413)
        let exact = try parseOne("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)
        #expect(exact?.body.count == 10)
    }

    @Test("a huge Content-Length is refused, not allocated")
    func hugeContentLength() {
        let error = parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999999\r\n\r\n")
        #expect(error == .bodyTooLarge(length: 999_999_999_999_999_999, limit: HTTPLimits().maxBodyBytes))
    }
}
