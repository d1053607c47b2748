import Testing
import Wire

@Suite("SSHPublicKey")
struct SSHPublicKeyTests {
    static let base64 = "AAAAC3NzaC1lZDI1NTE5AAAAIOrijPd2QNKPd2vOEYIzZz4qROlj48DRelCmLT+72TzI"

    @Test("a key line keeps its comment with spaces and is written back with single spaces")
    func parsesKeyLine() throws {
        let key = try SSHPublicKey(" ssh-ed25519\t\(Self.base64)   ops key  on laptop ")
        #expect(key.type == "ssh-ed25519" && key.base64 == Self.base64)
        #expect(key.comment == "ops key  on laptop")
        #expect(key.description == "ssh-ed25519 \(Self.base64) ops key  on laptop")
        #expect(try SSHPublicKey("ssh-ed25519 \(Self.base64)").comment == nil)
    }

    @Test("lines that are not a public key are refused without quoting them", arguments: [
        ("ssh-ed25519", SSHPublicKeyError.notAKeyLine),
        ("hello world", .notBase64(type: "hello")),
        ("ssh-rsa \(base64) wrong type", .typeMismatch(type: "ssh-rsa")),
        ("ssh-ed25519 AAAA", .typeMismatch(type: "ssh-ed25519")),
        ("ssh-ed25519 \(String(base64.prefix(40)))", .typeMismatch(type: "ssh-ed25519")),
        ("ssh-ed25519 AAAA!!!!", .notBase64(type: "ssh-ed25519")),
        ("ssh-ed25519 \(base64) a\nssh-rsa AAAA b", .controlCharacter),
        ("-----BEGIN OPENSSH PRIVATE KEY-----", .privateKey),
    ])
    func refuses(_ line: String, _ error: SSHPublicKeyError) {
        #expect(throws: error) { try SSHPublicKey(line) }
        #expect(!error.description.contains(Self.base64))
    }
}
