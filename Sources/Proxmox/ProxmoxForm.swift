import Foundation

/// `application/x-www-form-urlencoded` bodies and query strings as PVE's API server parses them.
public enum ProxmoxForm {
    /// A parameter value: text, an integer, or a boolean sent as 0/1 (PVE's JSON schema type
    /// `boolean` takes 0 and 1).
    public enum Value: Equatable, Sendable {
        case text(String)
        case int(Int)
        case bool(Bool)

        var text: String {
            switch self {
            case .text(let text): text
            case .int(let number): String(number)
            case .bool(let flag): flag ? "1" : "0"
            }
        }
    }

    /// `name=value&...` in the given order, each side percent-encoded (space as `%20`, never `+`).
    public static func encode(_ pairs: [(String, Value)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1.text) }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters stay; every other byte of the UTF-8 form becomes `%XX`.
    public static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(UnicodeScalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The `sshkeys` value of a VM config. PVE stores it URL-encoded and decodes it with
    /// `URI::Escape::uri_unescape`, which leaves `+` as a plus: so spaces must be `%20` and
    /// newlines `%0A` (qemu-server API2/Qemu.pm, "sshkeys": "URL-encoded"). The result is then
    /// form-encoded once more like any value.
    public static func sshKeys(_ keys: [String]) -> String {
        percentEncode(keys.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: "\n") + "\n")
    }
}
