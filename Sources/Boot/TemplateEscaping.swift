import Wire

/// How a substitution is escaped for the document it lands in. `Template.render` applies this to
/// every `{{ }}` whose filters do not end in an escaping filter of their own (`yaml`, `cmdline`,
/// `json`, `raw`).
public enum TemplateEscaping: Sendable {
    /// As is (the `raw` filter).
    case none
    /// A YAML double-quoted scalar (the `yaml` filter), always quoted, so `yes`, `null`, `: `
    /// or a leading `*` stay strings.
    case yamlDoubleQuoted
    /// One kernel command-line word (the `cmdline` filter): values with whitespace, quotes or
    /// control characters are refused, because the kernel splits on spaces and its quoting is
    /// not portable across boot loaders.
    case kernelCommandLine
    /// One POSIX shell word in single quotes (the `sh` filter), for a line of a shell script or an
    /// environment file: everything literal, `'` written as `'\''`. Control characters (a line
    /// break would end the line) are refused.
    case shellWord
}

extension TemplateEscaping {
    /// `text` as a YAML double-quoted scalar: `\` and `"` escaped, line breaks and other
    /// non-printable characters (YAML 1.2 §5.1) written as escapes, the rest as is.
    public static func quoteYAML(_ text: String) -> String {
        // Built as UTF-8 bytes: appending scalar by scalar to a String cost most of a user-data
        // render (perf, bench/http.sh).
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        quoted.reserveCapacity(text.utf8.count + text.utf8.count / 8 + 2)
        for scalar in text.unicodeScalars {
            if let letter = shortEscape(scalar) {
                quoted.append(UInt8(ascii: "\\"))
                quoted.append(UInt8(ascii: letter))
            } else if !isYAMLPrintable(scalar) {
                quoted += hexEscape(scalar).utf8
            } else if scalar.isASCII {
                quoted.append(UInt8(scalar.value))
            } else {
                UTF8.encode(scalar) { quoted.append($0) }
            }
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }

    /// `text` as a JSON string literal (Wire's JSON writer: RFC 8259 §7, U+2028 and U+2029
    /// escaped as well).
    public static func quoteJSON(_ text: String) -> String { JSONValue.string(text).encoded() }

    /// Any value as JSON: strings as literals, bools as `true`/`false`, lists as arrays and maps
    /// as objects with sorted keys, all compact.
    static func json(_ value: TemplateValue) -> String { jsonValue(value).encoded() }

    private static func jsonValue(_ value: TemplateValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .list(let items): .array(items.map(jsonValue))
        case .map(let members): .object(members.keys.sorted().map { ($0, jsonValue(members[$0] ?? .string(""))) })
        }
    }

    /// Why `text` cannot be one kernel command-line word, or nil when it can.
    static func commandLineProblem(_ text: String) -> String? {
        for scalar in text.unicodeScalars {
            let code = "U+" + hex(scalar.value, digits: 4)
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { return "it contains a control character (\(code))" }
            if scalar.properties.isWhitespace { return "it contains whitespace (\(code))" }
            if scalar == "\"" || scalar == "'" { return "it contains a quote (\(code))" }
        }
        return nil
    }

    /// `text` as one single-quoted POSIX shell word (POSIX.1-2017 XCU §2.2.2).
    public static func quoteShell(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// The letter after `\\` of YAML's one-letter escapes that `quoteYAML` uses (YAML 1.2 §5.7).
    private static func shortEscape(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar {
        case "\"": "\""
        case "\\": "\\"
        case "\n": "n"
        case "\r": "r"
        case "\t": "t"
        case "\0": "0"
        case "\u{85}": "N"
        case "\u{2028}": "L"
        case "\u{2029}": "P"
        default: nil
        }
    }

    /// YAML 1.2 c-printable, less the byte order mark (which is only allowed at a document's start).
    private static func isYAMLPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0x10000...0x10FFFF: true
        case 0xE000...0xFFFD: scalar.value != 0xFEFF
        default: false
        }
    }

    private static func hexEscape(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case ..<0x100: "\\x" + hex(scalar.value, digits: 2)
        case ..<0x10000: "\\u" + hex(scalar.value, digits: 4)
        default: "\\U" + hex(scalar.value, digits: 8)
        }
    }

    static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
