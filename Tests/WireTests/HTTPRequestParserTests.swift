import Testing
import Wire

@Suite("HTTPRequestParser: feeding and pipelining")
struct HTTPRequestParserTests {
    static let get = "GET /boot.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56&arch=0 HTTP/1.1\r\n"
        + "Host: prov.lan:8080\r\nUser-Agent: iPXE/1.21.1\r\nAccept: */*\r\n\r\n"

    @Test("a GET parsed at once and fed byte by byte gives the same request")
    func getAtOnceAndByteByByte() throws {
        let whole = try parseRequests(bytes(Self.get))
        let single = try parseRequests(bytes(Self.get), pieceSize: 1)
        #expect(whole.count == 1)
        #expect(whole == single)
        let request = try #require(whole.first)
        #expect(request.method == "GET")
        #expect(request.target == "/boot.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56&arch=0")
        #expect(request.path == "/boot.ipxe")
        #expect(request.query == [.init(name: "mac", value: "52:54:00:12:34:56"), .init(name: "arch", value: "0")])
        #expect(request.minorVersion == 1)
        #expect(request.headers.fields.map(\.name) == ["Host", "User-Agent", "Accept"])
        #expect(request.headers["host"] == "prov.lan:8080")
        #expect(request.headers["USER-AGENT"] == "iPXE/1.21.1")
        #expect(request.body.isEmpty)
    }

    @Test("a request is not returned before its blank line")
    func incompleteHead() throws {
        var parser = HTTPRequestParser()
        let data = bytes(Self.get)
        parser.append(data.dropLast())
        #expect(try parser.nextRequest() == nil)
        #expect(parser.bufferedByteCount == data.count - 1)
        parser.append(data.suffix(1))
        #expect(try parser.nextRequest() != nil)
        #expect(parser.bufferedByteCount == 0)
        #expect(try parser.nextRequest() == nil)
    }

    @Test("POST with Content-Length, body split across feeds")
    func postBodySplit() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes("POST /cloud-init/52:54:00:12:34:56/phone-home HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhel"))
        #expect(try parser.nextRequest() == nil)
        parser.append(bytes("lo wor"))
        #expect(try parser.nextRequest() == nil)
        parser.append(bytes("ldGET"))
        let request = try #require(try parser.nextRequest())
        #expect(request.method == "POST")
        #expect(request.path == "/cloud-init/52:54:00:12:34:56/phone-home")
        #expect(request.body == bytes("hello world"))
        #expect(parser.bufferedByteCount == 3)
        #expect(try parser.nextRequest() == nil)
    }

    @Test("POST fed byte by byte equals POST fed at once")
    func postByteByByte() throws {
        let text = "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
        let whole = try parseRequests(bytes(text))
        #expect(whole.count == 1)
        #expect(whole.first?.body == bytes("hello"))
        #expect(try parseRequests(bytes(text), pieceSize: 1) == whole)
        #expect(try parseRequests(bytes(text), pieceSize: 7) == whole)
    }

    @Test("pipelined requests in one feed come out in order")
    func pipelined() throws {
        let text = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /c HTTP/1.0\r\n\r\n"
        for pieceSize in [Int.max, 1, 5] {
            let requests = try parseRequests(bytes(text), pieceSize: pieceSize)
            #expect(requests.map(\.path) == ["/a", "/b", "/c"])
            #expect(requests.map(\.method) == ["GET", "POST", "GET"])
            #expect(requests.map(\.body) == [[], bytes("abc"), []])
            #expect(requests.map(\.minorVersion) == [1, 1, 0])
        }
    }

    @Test("one nextRequest call returns one request; the rest stay buffered")
    func oneAtATime() throws {
        var parser = HTTPRequestParser()
        let first = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        let second = "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
        parser.append(bytes(first + second))
        #expect(try parser.nextRequest()?.path == "/1")
        #expect(parser.bufferedByteCount == second.utf8.count)
        #expect(try parser.nextRequest()?.path == "/2")
        #expect(try parser.nextRequest() == nil)
    }

    @Test("empty lines before a request line are ignored")
    func leadingEmptyLines() throws {
        let plain = try parseOne("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(plain != nil)
        #expect(try parseOne("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == plain)
        #expect(try parseOne("\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == plain)
        // Between pipelined requests too (a client's stray CRLF after a body).
        let requests = try parseRequests(bytes("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"), pieceSize: 1)
        #expect(requests.map(\.path) == ["/1", "/2"])
    }

    @Test("bare LF line endings are accepted")
    func bareLF() throws {
        let crlf = try #require(try parseOne("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"))
        let lf = try parseRequests(bytes("POST /x HTTP/1.1\nHost: a\nContent-Length: 2\n\nhi"), pieceSize: 1)
        #expect(lf == [crlf])
        let mixed = try parseOne("POST /x HTTP/1.1\nHost: a\r\nContent-Length: 2\n\r\nhi")
        #expect(mixed == crlf)
    }

    @Test("keep-alive rules", arguments: [
        ("HTTP/1.1", nil, true),
        ("HTTP/1.1", "close", false),
        ("HTTP/1.1", "Close", false),
        ("HTTP/1.1", "keep-alive, close", false),
        ("HTTP/1.1", "keep-alive", true),
        ("HTTP/1.1", "upgrade", true),
        ("HTTP/1.0", nil, false),
        ("HTTP/1.0", "keep-alive", true),
        ("HTTP/1.0", "Keep-Alive", true),
        ("HTTP/1.0", "keep-alive, close", false),
    ] as [(String, String?, Bool)])
    func keepAlive(_ version: String, _ connection: String?, _ expected: Bool) throws {
        var text = "GET / \(version)\r\nHost: a\r\n"
        if let connection { text += "Connection: \(connection)\r\n" }
        let request = try #require(try parseOne(text + "\r\n"))
        #expect(request.keepAlive == expected)
    }

    @Test("header values are trimmed and repeated fields kept in order")
    func headerValues() throws {
        let request = try #require(try parseOne("GET / HTTP/1.1\r\nHost:a\r\nX-Tag: \t one \t\r\nx-tag: two\r\nEmpty:\r\n\r\n"))
        #expect(request.headers["Host"] == "a")
        #expect(request.headers.values("X-TAG") == ["one", "two"])
        #expect(request.headers["Empty"] == "")
    }
}
