@testable import Wire
import Testing

/// Field names compare without regard to ASCII case, and nothing else folds.
@Suite("HTTPHeaders names") struct HTTPHeadersTests {
    @Test(arguments: [("Host", "host", true), ("CONTENT-LENGTH", "content-length", true), ("X-A", "x-a", true),
                      ("Host", "Hos", false), ("Host", "Hosts", false), ("X-[", "X-{", false), ("X-@", "X-`", false)])
    func namesMatch(a: String, b: String, same: Bool) {
        #expect(HTTPHeaders.sameName(a, b) == same)
        var headers = HTTPHeaders()
        headers.add(a, "1")
        #expect((headers[b] != nil) == same)
        headers.set(b, "2")
        #expect(headers.values(a) == (same ? ["2"] : ["1"]))
    }
}
