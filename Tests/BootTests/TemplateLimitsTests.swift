import Boot
import Testing

/// A render's work is bounded: nested loops and huge output fail fast with the template's name
/// and line, instead of holding a boot-plane request (and a CPU) for minutes.
@Suite("Template: limits") struct TemplateLimitsTests {
    static let keys: TemplateValue = .list(["a", "b", "c", "d"].map(TemplateValue.string))

    /// Ten nested loops over four items: 4^10 ≈ a million bodies, and far more output.
    static func nested(_ depth: Int) -> String {
        var source = ""
        for level in 0..<depth { source += "{% for k\(level) in keys %}" }
        source += "{{ k0 }}"
        for _ in 0..<depth { source += "{% endfor %}" }
        return source
    }

    @Test("ten nested loops stop at the iteration budget, naming the template and line")
    func nestedLoops() throws {
        let template = try Template(name: "bomb.yaml", source: "#cloud-config\n" + Self.nested(10))
        let clock = ContinuousClock()
        let started = clock.now
        #expect {
            _ = try template.render(["keys": Self.keys], escaping: .none)
        } throws: { error in
            let error = error as? TemplateError
            return error?.template == "bomb.yaml" && error?.line == 2 && error?.message.contains("loop iterations") == true
        }
        // Not a timed assertion of speed, a guard against "bounded" meaning minutes.
        #expect(clock.now - started < .seconds(30))
    }

    @Test("the output budget stops a render that grows too large")
    func outputSize() throws {
        let template = try Template(name: "big.yaml", source: "{% for a in keys %}{% for b in keys %}{{ text }}{% endfor %}{% endfor %}")
        let limits = TemplateLimits(iterations: 1_000, outputBytes: 1_000)
        let context: [String: TemplateValue] = ["keys": Self.keys, "text": .string(String(repeating: "x", count: 100))]
        #expect(throws: TemplateError(template: "big.yaml", line: 1, column: 42, message: "output exceeds 1000 bytes")) {
            _ = try template.render(context, escaping: .none, limits: limits)
        }
    }

    @Test("a render within the limits is untouched by them")
    func withinLimits() throws {
        let template = try Template(name: "ok.yaml", source: Self.nested(3))
        let limits = TemplateLimits(iterations: 4 + 16 + 64, outputBytes: 64)
        #expect(try template.render(["keys": Self.keys], escaping: .none, limits: limits).count == 64)
        let tighter = TemplateLimits(iterations: 4 + 16 + 63, outputBytes: 64)
        #expect(throws: TemplateError.self) { _ = try template.render(["keys": Self.keys], escaping: .none, limits: tighter) }
    }
}
