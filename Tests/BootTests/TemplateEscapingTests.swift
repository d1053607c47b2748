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
