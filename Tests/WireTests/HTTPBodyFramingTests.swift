import Testing
import Wire

@Suite("HTTPRequestParser: body framing")
struct HTTPBodyFramingTests {
    @Test("invalid Content-Length is a 400", arguments: [
        "abc", "-1", "+5", "1,2", "5, 6", "", "1 2", "0x10", "5.0", "99999999999999999999", " , ",
    ])
    func invalidContentLength(_ value: String) {
        let error = parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\nhello")
        #expect(error?.kind == "invalidContentLength")
        #expect(error?.status == 400)
    }

    @Test("differing Content-Length fields are a 400")
    func differingFields() {
        let error = parseError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
        #expect(error?.kind == "invalidContentLength")
    }

    @Test("identical repeated Content-Length values are accepted", arguments: [
        "Content-Length: 5\r\nContent-Length: 5\r\n",
        "Content-Length: 5, 5\r\n",
        "Content-Length: 5,5\r\ncontent-length: 5\r\n",
    ])
    func identicalRepeats(_ fields: String) throws {
        let requests = try parseRequests(bytes("POST / HTTP/1.1\r\nHost: a\r\n\(fields)\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(requests.map(\.body) == [bytes("hello"), []])
    }

    @Test("Content-Length 0 and no framing mean an empty body")
    func emptyBody() throws {
        let requests = try parseRequests(bytes(
            "POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(requests.map(\.path) == ["/a", "/b"])
        #expect(requests.allSatisfy { $0.body.isEmpty })
    }

    @Test("Transfer-Encoding with Content-Length is refused", arguments: [
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    ])
    func conflictingFraming(_ fields: String) {
        let error = parseError("POST / HTTP/1.1\r\nHost: a\r\n\(fields)\r\n5\r\nhello\r\n0\r\n\r\n")
        #expect(error == .conflictingFraming)
        #expect(error?.status == 400)
    }

    @Test("Transfer-Encoding other than chunked is a 501", arguments: [
        "gzip", "gzip, chunked", "chunked, chunked", "identity", "deflate",
    ])
    func unsupportedTransferEncoding(_ value: String) {
        let error = parseError("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n0\r\n\r\n")
        #expect(error?.kind == "unsupportedTransferEncoding")
        #expect(error?.status == 501)
    }

    @Test("Transfer-Encoding names compare case-insensitively")
    func chunkedAnyCase() throws {
        let request = try parseOne("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
        #expect(request?.body == bytes("hi"))
    }
}
