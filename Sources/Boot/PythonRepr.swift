/// Reads the Python `repr()` text that cloud-init writes into its error lists: each entry is
/// `str((module_name, exception))`, so the exception's message arrives as a Python string
/// literal, escapes and all (cloudinit/cmd/main.py, status_wrapper).
enum PythonRepr {
    /// The string literal (`'…'` or `"…"`, with Python's escapes) at the start of `text`: its
    /// value and what follows it; nil when `text` does not start with a whole literal.
    static func stringLiteral(_ text: Substring) -> (value: String, rest: Substring)? {
        guard let quote = text.unicodeScalars.first, quote == "'" || quote == "\"" else { return nil }
        var value = String.UnicodeScalarView()
        var index = text.unicodeScalars.index(after: text.unicodeScalars.startIndex)
        let scalars = text.unicodeScalars
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == quote {
                return (String(value), Substring(scalars[scalars.index(after: index)...]))
            }
            guard scalar == "\\" else {
                value.append(scalar)
                index = scalars.index(after: index)
                continue
            }
            let next = scalars.index(after: index)
            guard next < scalars.endIndex else { return nil }
            let (decoded, width) = escape(scalars[next...])
            value.append(contentsOf: decoded)
            index = scalars.index(next, offsetBy: width)
        }
        return nil
    }

    /// One escape after a backslash: what it stands for and how many scalars it took.
    private static func escape(_ scalars: Substring.UnicodeScalarView.SubSequence) -> (String.UnicodeScalarView, Int) {
        let first = scalars[scalars.startIndex]
        switch first {
        case "n": return (String.UnicodeScalarView("\n".unicodeScalars), 1)
        case "t": return (String.UnicodeScalarView("\t".unicodeScalars), 1)
        case "r": return (String.UnicodeScalarView("\r".unicodeScalars), 1)
        case "\\", "'", "\"": return (String.UnicodeScalarView([first]), 1)
        case "x", "u", "U":
            let digits = first == "x" ? 2 : first == "u" ? 4 : 8
            let hex = String(String.UnicodeScalarView(scalars.dropFirst().prefix(digits)))
            if hex.count == digits, let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) {
                return (String.UnicodeScalarView([scalar]), 1 + digits)
            }
            return (String.UnicodeScalarView(["\\", first]), 1)
        default:
            // Python keeps an unknown escape as written.
            return (String.UnicodeScalarView(["\\", first]), 1)
        }
    }

    /// A list of string literals, `['apt-get', 'install', 'curl']`; nil if `text` is not one.
    static func stringList(_ text: Substring) -> [String]? {
        guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        var rest = text.dropFirst().dropLast()[...]
        var items: [String] = []
        while let first = rest.first {
            if first == " " || first == "," {
                rest = rest.dropFirst()
                continue
            }
            guard let (item, after) = stringLiteral(rest) else { return nil }
            items.append(item)
            rest = after
        }
        return items
    }
}
