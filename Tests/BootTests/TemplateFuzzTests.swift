import Boot
import Testing

/// Deterministic fuzzing: random template strings from a seeded generator. Parsing must end in
/// a template or a `TemplateError`, rendering in text or a `TemplateError`, never a trap; error
/// positions must lie inside the source.
@Suite("Template: fuzzing") struct TemplateFuzzTests {
    /// splitmix64: small and deterministic, so a failing case can be replayed by its index.
    struct SplitMix64: RandomNumberGenerator {
        private var state: UInt64
        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Fragments that make template-shaped input, so many cases get past the lexer.
    static let fragments = [
        "{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "%", "#", " ", "  ", "\n", "\r\n", "\t",
        "if ", "elif ", "else", "endif", "for ", " in ", "endfor", "not ", "defined(", ")", "(",
        "a", "b", "keys", "m", ".", "m.h", "loop.index", "loop.last", "k.key", "|", " | ", "yaml", "raw",
        "json", "cmdline", "join(\",\")", "join", "==", "!=", "=", "!", "\"", "'", "\"x\"", "'y'", "\\",
        "\\n", "x: ", "- ", "é", "🚀", "\u{0}", "\u{2028}",
        "{{ a }}", "{% if a %}", "{% endif %}", "{% for k in keys %}", "{% endfor %}", "{% else %}",
        "{% elif b %}", "{{ k }}", "{{ m.h }}", "{# c #}", "{{ keys | join(\",\") }}", "{{ k | cmdline }}",
    ]

    static let context: [String: TemplateValue] = [
        "a": "x y", "b": false, "keys": ["k1", "k 2"], "m": ["h": "host"], "e": "",
    ]

    /// Whether `error` points at a place inside `source` (or just past its end).
    static func positionIsInside(_ error: TemplateError, _ source: String) -> Bool {
        let lines = source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard error.template == "fuzz", error.line >= 1, error.line <= lines.count, error.column >= 1 else { return false }
        return error.column <= lines[error.line - 1].count + 1
    }

    @Test("2,000 random template strings parse or fail cleanly, and render or fail cleanly")
    func randomTemplates() {
        var rng = SplitMix64(seed: 0x7E3D_1A7E)
        var parsed = 0
        var rendered = 0
        for index in 0..<2_000 {
            let count = Int.random(in: 0...40, using: &rng)
            var source = ""
            for _ in 0..<count {
                if Int.random(in: 0..<8, using: &rng) == 0 {
                    source.unicodeScalars.append(Unicode.Scalar(UInt8.random(in: 0...127, using: &rng)))
                } else {
                    source += Self.fragments.randomElement(using: &rng) ?? ""
                }
            }
            let template: Template
            do {
                template = try Template(name: "fuzz", source: source)
            } catch {
                #expect(Self.positionIsInside(error, source), "case \(index): \(error) for \(source.debugDescription)")
                continue
            }
            parsed += 1
            for escaping in [TemplateEscaping.none, .yamlDoubleQuoted, .kernelCommandLine] {
                do {
                    _ = try template.render(Self.context, escaping: escaping)
                    rendered += 1
                } catch {
                    #expect(Self.positionIsInside(error, source), "case \(index): \(error) for \(source.debugDescription)")
                }
            }
        }
        // The generator must reach the renderer often, or this test proves little.
        #expect(parsed >= 200, "only \(parsed) of 2,000 cases parsed")
        #expect(rendered >= 200, "only \(rendered) renders succeeded")
    }

    @Test("random bytes decoded as UTF-8 never crash the parser")
    func randomBytes() {
        var rng = SplitMix64(seed: 0xB17E_5000)
        for index in 0..<500 {
            let bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0...255, using: &rng) : Array("{}%# |\"".utf8).randomElement(using: &rng) ?? 0
            }
            let source = String(decoding: bytes, as: UTF8.self)
            do {
                _ = try Template(name: "fuzz", source: source).render(Self.context, escaping: .yamlDoubleQuoted)
            } catch {
                #expect(Self.positionIsInside(error, source), "case \(index): \(error)")
            }
        }
    }
}
