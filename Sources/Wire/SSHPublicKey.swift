import Foundation

/// One OpenSSH public key line, `TYPE BASE64 [COMMENT]` (sshd(8) AUTHORIZED_KEYS FILE FORMAT,
/// without options). The base64 must decode to a key blob that starts with the same type name
/// (RFC 4253 §6.6: `string` key type first) and then be nothing but length-prefixed fields, as
/// every OpenSSH key type's is: this catches a truncated or mis-pasted key.
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

    /// The key type the blob names, nil unless the blob is two or more fields (each a 32-bit
    /// big-endian length, then that many bytes) that end exactly where it ends.
    private static func blobType(_ blob: [UInt8]) -> String? {
        var fields: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < blob.count {
            guard offset + 4 <= blob.count else { return nil }
            let length = blob[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= blob.count - offset - 4 else { return nil }
            fields.append(blob[(offset + 4)..<(offset + 4 + length)])
            offset += 4 + length
        }
        guard fields.count >= 2 else { return nil }
        return String(bytes: fields[0], encoding: .utf8)
    }
}
