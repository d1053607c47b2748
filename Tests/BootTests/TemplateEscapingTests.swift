import Boot
import Testing

@Suite("Template: escaping") struct TemplateEscapingTests {
    private func render(_ source: String, _ value: String, escaping: TemplateEscaping = .none) throws -> String {
        try Template(name: "t", source: source).render(["v": .string(value)], escaping: escaping)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("", #""""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\path\n"#, #""C:\\path\\n""#),
        ("two\nlines\r\n", #""two\nlines\r\n""#),
        ("tab\there", #""tab\there""#),
        ("bell\u{7}nul\u{0}del\u{7F}", #""bell\x07nul\0del\x7F""#),
        ("c1\u{85}\u{9B}", #""c1\N\x9B""#),
        ("sep\u{2028}\u{2029}", #""sep\L\P""#),
        ("bom\u{FEFF}", #""bom\uFEFF""#),
        ("héllo wörld 日本 🚀", #""héllo wörld 日本 🚀""#),
    ])
    func yamlQuotesAndEscapes(value: String, expected: String) throws {
        #expect(try render("{{ v | yaml }}", value) == expected)
        #expect(try render("{{ v }}", value, escaping: .yamlDoubleQuoted) == expected)
        #expect(TemplateEscaping.quoteYAML(value) == expected)
    }

    /// Values YAML would read as something else unquoted stay strings: the filter always quotes.
    @Test(arguments: ["yes", "no", "on", "off", "true", "null", "~", "1e3", "0x10", "a: b", "- x", "# c", "*anchor", "&a", "!tag", "{a}", "[1]", "|", ">", "'q'", "@x", "%x", " padded "])
    func yamlAlwaysQuotesAmbiguousScalars(value: String) throws {
        let rendered = try render("key: {{ v | yaml }}", value)
        #expect(rendered == "key: \"\(value)\"")
    }

    @Test func yamlEscapesAWholeCloudInitLine() throws {
        let template = try Template(name: "user-data", source: "hostname: {{ h }}\nfqdn: {{ f | yaml }}\n")
        let text = try template.render(["h": "evil\"\nruncmd: [reboot]", "f": "a.b"], escaping: .yamlDoubleQuoted)
        #expect(text == "hostname: \"evil\\\"\\nruncmd: [reboot]\"\nfqdn: \"a.b\"\n")
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        (#"q"b\s"#, #""q\"b\\s""#),
        ("nl\n\r\t\u{8}\u{C}", #""nl\n\r\t\b\f""#),
        ("ctl\u{1}\u{1F}", #""ctl\u0001\u001F""#),
        ("ls\u{2028}", #""ls\u2028""#),
        ("ünï 🚀 </script>", #""ünï 🚀 </script>""#),
    ])
    func jsonStringLiterals(value: String, expected: String) throws {
        #expect(try render("{{ v | json }}", value) == expected)
        #expect(TemplateEscaping.quoteJSON(value) == expected)
    }

    /// The sh filter: one single-quoted word the shell reads back exactly.
    @Test(arguments: [
        ("plain", "'plain'"), ("", "''"), ("it's", #"'it'\''s'"#), (#"$(reboot) `x` \ "q" *"#, #"'$(reboot) `x` \ "q" *'"#),
        ("''", #"''\'''\'''"#),
    ])
    func shellQuotesOneWord(value: String, expected: String) throws {
        #expect(try render("{{ v | sh }}", value) == expected)
        #expect(TemplateEscaping.quoteShell(value) == expected)
    }

    @Test(arguments: ["two\nlines", "tab\there", "nul\u{0}"])
    func shellRefusesControlCharacters(value: String) {
        #expect(throws: TemplateError.self) { try render("{{ v | sh }}", value) }
    }

    @Test func jsonEncodesNestedValues() throws {
        let template = try Template(name: "t", source: "{{ v | json }}")
        let value: TemplateValue = ["b": ["x\"", false], "a": [:], "c": []]
        #expect(try template.render(["v": value], escaping: .none) == #"{"a":{},"b":["x\"",false],"c":[]}"#)
    }

    @Test(arguments: ["console=ttyS0,115200n8", "ds=nocloud;s=http://10.0.0.1:8080/cloud-init/52-54-00-12-34-56/", "", "ü"])
    func cmdlineAcceptsOneWord(value: String) throws {
        #expect(try render("{{ v | cmdline }}", value) == value)
        #expect(try render("{{ v }}", value, escaping: .kernelCommandLine) == value)
    }

    @Test(arguments: [
        ("two words", "whitespace (U+0020)"),
        ("tab\tx", "control character (U+0009)"),
        ("line\n", "control character (U+000A)"),
        ("nbsp\u{A0}x", "whitespace (U+00A0)"),
        ("ideographic\u{3000}space", "whitespace (U+3000)"),
        (#"say"x"#, "quote (U+0022)"),
        ("it's", "quote (U+0027)"),
        ("del\u{7F}", "control character (U+007F)"),
        ("c1\u{85}", "control character (U+0085)"),
    ])
    func cmdlineRefuses(value: String, reason: String) throws {
        let template = try Template(name: "boot.ipxe", source: "kernel vmlinuz\nappend x={{ v | cmdline }}")
        #expect {
            _ = try template.render(["v": .string(value)], escaping: .none)
        } throws: { error in
            guard let error = error as? TemplateError else { return false }
            return error.line == 2 && error.column == 13
                && error.description.hasPrefix("template boot.ipxe line 2 column 13: \"v\" cannot be one kernel command-line word: it contains ")
                && error.message.hasSuffix(reason)
        }
        // The default escaping refuses the same values.
        #expect(throws: TemplateError.self) { try Template(name: "t", source: "{{ v }}").render(["v": .string(value)], escaping: .kernelCommandLine) }
    }

    @Test func cmdlineRefusalNeverEchoesTheValue() throws {
        let template = try Template(name: "t", source: "token={{ secret | cmdline }}")
        do {
            _ = try template.render(["secret": "s3cr3t value"], escaping: .none)
            Issue.record("rendered a value with a space")
        } catch {
            #expect(!error.description.contains("s3cr3t"))
        }
    }

    @Test func rawLeavesEverything() throws {
        #expect(try render("{{ v | raw }}", "a\"b\n{{c}}") == "a\"b\n{{c}}")
        #expect(try render("{{ v }}", "a\"b\n{{c}}") == "a\"b\n{{c}}")
    }
}

/// quoteYAML builds bytes; this is the scalar-by-scalar form it replaced, kept as the oracle.
@Suite("Template: YAML quoting matches its reference") struct QuoteYAMLReferenceTests {
    private static func reference(_ text: String) -> String {
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            case "\0": quoted += "\\0"
            case "\u{85}": quoted += "\\N"
            case "\u{2028}": quoted += "\\L"
            case "\u{2029}": quoted += "\\P"
            default:
                switch scalar.value {
                // YAML 1.2 §5.1 printable, but the byte order mark (in 0xE000...0xFFFD) is escaped.
                case 0xFEFF: quoted += "\\uFEFF"
                case 0x20...0x7E, 0xA0...0xD7FF, 0x10000...0x10FFFF, 0xE000...0xFFFD:
                    quoted.unicodeScalars.append(scalar)
                case ..<0x100: quoted += "\\x" + hex(scalar.value, 2)
                case ..<0x10000: quoted += "\\u" + hex(scalar.value, 4)
                default: quoted += "\\U" + hex(scalar.value, 8)
                }
            }
        }
        return quoted + "\""
    }

    private static func hex(_ value: UInt32, _ digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: digits - text.count) + text
    }

    @Test func randomStrings() {
        var generator = SystemRandomNumberGenerator()
        // Every class of scalar: ASCII, C0/C1 controls, the escaped ones, BMP, surrogate-adjacent,
        // private use, the BOM, non-characters and astral planes.
        let pool: [ClosedRange<UInt32>] = [0x00...0x7F, 0x80...0xFF, 0x100...0x2FFF, 0xD000...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        for _ in 0..<2000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...40, using: &generator) {
                let range = pool.randomElement(using: &generator)!
                if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &generator)) { text.unicodeScalars.append(scalar) }
            }
            #expect(TemplateEscaping.quoteYAML(text) == Self.reference(text), "\(Array(text.unicodeScalars.map(\.value)))")
        }
    }
}
