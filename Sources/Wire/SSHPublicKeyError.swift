/// Why a line is not an OpenSSH public key. The messages never quote the line: a private key
/// given by mistake must not end up in an error message or a log.
public enum SSHPublicKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAKeyLine
    case notBase64(type: String)
    case typeMismatch(type: String)
    case controlCharacter
    case privateKey

    public var description: String {
        switch self {
        case .notAKeyLine: "not an SSH public key: expected TYPE BASE64 [COMMENT], as in id_ed25519.pub"
        case .notBase64(let type): "the key data of the \(type) key is not base64"
        case .typeMismatch(let type): "the key data is not that of a \(type) key (truncated or mis-pasted?)"
        case .controlCharacter: "an SSH public key is one line without control characters"
        case .privateKey: "this is a private key: give the public one (the .pub file)"
        }
    }
}
