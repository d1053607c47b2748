@testable import Net
import Testing

@Suite("SocketAddress") struct SocketAddressTests {
    @Test(arguments: [
        ("0.0.0.0:8080", "0.0.0.0:8080"),
        ("127.0.0.1:0", "127.0.0.1:0"),
        ("localhost:81", "127.0.0.1:81"),
        ("[::]:8080", "[::]:8080"),
        ("[::1]:65535", "[::1]:65535"),
        ("[fe80::1]:67", "[fe80::1]:67"),
    ])
    func parsesAndPrints(input: String, canonical: String) throws {
        #expect(try SocketAddress(input).description == canonical)
    }

    @Test(arguments: ["", "8080", ":8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:80a",
                      "::1:80", "[::1]80", "[::1", "[127.0.0.1]:80", "example.com:80", "256.0.0.1:80", "1.2.3:80"])
    func refuses(input: String) {
        #expect(throws: SocketAddressError(input: input)) { try SocketAddress(input) }
    }

    @Test func errorNamesInputAndForm() {
        let message = SocketAddressError(input: "nope").description
        #expect(message.contains("\"nope\""))
        #expect(message.contains("HOST:PORT"))
    }
}
