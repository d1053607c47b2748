import Foundation

/// OpenSSH public key lines made from chosen bytes, so a test can pick what the base64 holds.
enum SSHKeyLines {
    /// An ed25519 key line (RFC 8709 blob: type name, then the 32-byte key) whose key bytes are
    /// all `fill`: 0xFB puts `+` and `/` in the base64.
    static func ed25519(fill: UInt8, comment: String) -> String {
        let name = Array("ssh-ed25519".utf8)
        let blob = [0, 0, 0, UInt8(name.count)] + name + [0, 0, 0, 32] + [UInt8](repeating: fill, count: 32)
        return "ssh-ed25519 \(Data(blob).base64EncodedString()) \(comment)"
    }
}
