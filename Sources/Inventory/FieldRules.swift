import Wire

/// Validation of operator-supplied fields; each failure names the field and the value.
public enum FieldRules {
    /// RFC 1123 §2.1 host name: dot-separated labels of letters, digits and hyphens, 1–63 each,
    /// no hyphen at either end, 253 in all. Returned lowercased: host names are case-insensitive.
    public static func hostname(_ value: String) throws(InventoryError) -> String {
        let name = value.lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 253 && labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        }
        guard valid else {
            throw .invalid("invalid hostname \"\(value)\": use letters, digits and hyphens (RFC 1123), labels of 1-63 characters")
        }
        return name
    }

    /// Names of profiles, roles and clusters: lowercase letters, digits, `.`, `_`, `-`, starting
    /// with a letter or digit, at most 63 characters (they end up in file names and k8s labels).
    public static func name(_ value: String, field: String) throws(InventoryError) -> String {
        guard let first = value.utf8.first, isLowerAlnum(first), value.utf8.count <= 63,
              value.utf8.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw .invalid("invalid \(field) \"\(value)\": use lowercase letters, digits, '.', '_' and '-', at most 63 characters")
        }
        return value
    }

    /// Label keys as Kubernetes accepts them (an optional `prefix/` then a name); values any
    /// printable text up to 253 bytes.
    public static func labels(_ labels: [String: String]) throws(InventoryError) -> [String: String] {
        for (key, value) in labels {
            let keyValid = (1...253).contains(key.utf8.count) && key.utf8.allSatisfy { byte in
                isLowerAlnum(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || Array("._-/".utf8).contains(byte)
            }
            guard keyValid else { throw .invalid("invalid label key \"\(key)\": use letters, digits, '.', '_', '-', '/'") }
            guard value.utf8.count <= 253, !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .invalid("invalid value for label \"\(key)\": at most 253 bytes, no control characters")
            }
        }
        return labels
    }

    /// A release name as installers take it (`v1.31.4+k3s1`, `v1.30.4`): letters, digits, `.`,
    /// `+`, `-`, `_`, at most 64 characters. It ends up in an environment variable and a URL.
    public static func version(_ value: String) throws(InventoryError) -> String {
        guard (1...64).contains(value.utf8.count),
              value.utf8.allSatisfy({ isLowerAlnum($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || Array(".+-_".utf8).contains($0) })
        else { throw .invalid("invalid version \"\(value)\": use letters, digits, '.', '+', '-' and '_' (e.g. v1.31.4+k3s1)") }
        return value
    }

    /// A TLS subject alternative name: an IPv4 address or a host name (a leading `*.` allowed).
    public static func subjectAltName(_ value: String) throws(InventoryError) -> String {
        if (try? IPv4Address(value)) != nil { return value }
        let name = value.hasPrefix("*.") ? String(value.dropFirst(2)) : value
        do { return (value.hasPrefix("*.") ? "*." : "") + (try hostname(name)) } catch {
            throw .invalid("invalid TLS SAN \"\(value)\": give an IPv4 address or a host name")
        }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
