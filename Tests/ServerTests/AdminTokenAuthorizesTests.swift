import Testing

@testable import Server

@Suite("AdminToken.authorizes")
struct AdminTokenAuthorizesTests {
    static let secret = "0123456789abcdef0123456789abcdef"
    let token = AdminToken(secret: Self.secret)

    @Test("the right token is accepted")
    func right() {
        #expect(token.authorizes("Bearer \(Self.secret)"))
    }

    @Test("the scheme name is case-insensitive", arguments: ["bearer", "BEARER", "BeArEr"])
    func schemeCase(_ scheme: String) {
        #expect(token.authorizes("\(scheme) \(Self.secret)"))
    }

    @Test("anything else is refused", arguments: [
        "Bearer 0123456789abcdef0123456789abcdeF",  // same length, last character differs
        "Bearer x123456789abcdef0123456789abcdef",  // same length, first character differs
        "Bearer 0123456789abcdef",  // a prefix
        "Bearer 0123456789abcdef0123456789abcdef0",  // the token and more
        "Bearer ",
        "Bearer",
        "0123456789abcdef0123456789abcdef",  // no scheme
        "Basic 0123456789abcdef0123456789abcdef",
        "",
    ])
    func refused(_ header: String) {
        #expect(!token.authorizes(header))
    }

    @Test("a missing header is refused")
    func missing() {
        #expect(!token.authorizes(nil))
    }
}
