import Foundation
import Testing
import Wire

@Suite("HTTPRequestParser: chunked bodies")
struct ChunkedBodyTests {
    static let head = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    static let message = head
        + "5;name=value\r\nhello\r\n"
        + "6 ; ext\r\n world\r\n"
        + "A\r\n, 10 bytes\r\n"
        + "0\r\nX-Checksum: abc\r\nX-Other: d\r\n\r\n"
        + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n"

    @Test("extensions and trailers are dropped; the next request follows")
    func decodesAtOnce() throws {
        let requests = try parseRequests(bytes(Self.message))
        #expect(requests.map(\.path) == ["/upload", "/next"])
        #expect(requests.first?.body == bytes("hello world, 10 bytes"))
        #expect(requests.first?.headers["X-Checksum"] == nil)
    }

    @Test("split at every byte position")
    func splitEverywhere() throws {
        let data = bytes(Self.message)
        let expected = try parseRequests(data)
        for cut in 0...data.count {
            let requests = try parseRequests(data, cuts: [cut])
            #expect(requests == expected, "split at \(cut)")
        }
        #expect(try parseRequests(data, pieceSize: 1) == expected)
    }

    @Test("bare LF in chunk lines")
    func bareLF() throws {
        let request = try parseOne("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n")
        #expect(request?.body == bytes("abc"))
    }

    @Test("a body is not returned before the trailer section ends")
    func waitsForTrailerEnd() throws {
        var parser = HTTPRequestParser()
        parser.append(bytes(Self.head + "3\r\nabc\r\n0\r\n"))
        #expect(try parser.nextRequest() == nil)
        parser.append(bytes("X-T: 1\r\n"))
        #expect(try parser.nextRequest() == nil)
        parser.append(bytes("\r\n"))
        #expect(try parser.nextRequest()?.body == bytes("abc"))
    }

    @Test("a chunked body over the limit is a 413 as soon as the size line says so")
    func overLimit() throws {
        let limits = HTTPLimits(maxBodyBytes: 8)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(bytes(Self.head + "5\r\nhello\r\n"))
        #expect(try parser.nextRequest() == nil)
        parser.append(bytes("5\r\n"))
        let error = #expect(throws: HTTPParseError.self) { try parser.nextRequest() }
        #expect(error == .bodyTooLarge(length: 10, limit: 8))
        #expect(error?.status == 413)
    }

    @Test("exactly at the limit is fine")
    func atLimit() throws {
        let request = try parseOne(Self.head + "4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n", limits: HTTPLimits(maxBodyBytes: 8))
        #expect(request?.body == bytes("abcdefgh"))
    }

    @Test("bad chunk size is a 400", arguments: [
        "zz\r\n", "\r\n", ";ext\r\n", "0x5\r\n", "5 5\r\n", "1234567890abcdef0\r\n", "+5\r\nhello\r\n0\r\n\r\n",
    ])
    func badChunkSize(_ chunk: String) {
        let error = parseError(Self.head + chunk)
        #expect(error?.kind == "malformedChunk")
        #expect(error?.status == 400)
    }

    @Test("chunk data longer than its size is a 400")
    func dataLongerThanSize() {
        let error = parseError(Self.head + "3\r\nhello\r\n0\r\n\r\n")
        #expect(error?.kind == "malformedChunk")
    }

    @Test("an endless chunk-size line is refused")
    func endlessSizeLine() {
        let error = parseError(Self.head + String(repeating: "0", count: 5000))
        #expect(error?.kind == "malformedChunk")
    }

    /// Runs in a child process: on the bug it guards against, the parser traps instead of throwing.
    @Test("a negative chunk size is a 400, not a crash")
    func negativeChunkSize() async {
        await #expect(processExitsWith: .success) {
            var parser = HTTPRequestParser()
            parser.append(Array((ChunkedBodyTests.head + "-1\r\nxx\r\n0\r\n\r\n").utf8))
            do {
                _ = try parser.nextRequest()
                exit(2)  // accepted a negative size
            } catch let error as HTTPParseError {
                exit(error.status == 400 ? 0 : 3)
            } catch {
                exit(4)
            }
        }
    }
}
