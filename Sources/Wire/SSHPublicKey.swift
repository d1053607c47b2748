import Foundation

/// One OpenSSH public key line, `TYPE BASE64 [COMMENT]` (sshd(8) AUTHORIZED_KEYS FILE FORMAT,
/// without options). The base64 must decode to a key blob that starts with the same type name
/// (RFC 4253 §6.6: `string` key type first), which catches a truncated or mis-pasted key.
public struct SSHPublicKey: Equatable, Sendable, CustomStringConvertible {
    public let type: String
    public let base64: String
    /// The rest of the line (it may hold spaces), nil when there is none.
    public let comment: String?

    public init(_ line: String) throws(SSHPublicKeyError) {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" }) else {
            throw .controlCharacter
        }
        if text.hasPrefix("-----BEGIN") { throw .privateKey }
        let words = text.split(maxSplits: 2, whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2 else { throw .notAKeyLine }
        type = String(words[0])
        base64 = String(words[1])
        guard let blob = Data(base64Encoded: base64).map([UInt8].init) else { throw .notBase64(type: type) }
        guard Self.blobType(blob) == type else { throw .typeMismatch(type: type) }
        let rest = words.count == 3 ? words[2].trimmingCharacters(in: .whitespaces) : ""
        comment = rest.isEmpty ? nil : rest
    }

    /// The line as authorized_keys takes it: one space between the fields.
    public var description: String { ([type, base64] + (comment.map { [$0] } ?? [])).joined(separator: " ") }

    /// The key type the blob names: a 32-bit big-endian length, then that many bytes.
    private static func blobType(_ blob: [UInt8]) -> String? {
        guard blob.count >= 4 else { return nil }
        let length = blob[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, 4 + length <= blob.count else { return nil }
        return String(bytes: blob[4..<(4 + length)], encoding: .utf8)
    }
}
