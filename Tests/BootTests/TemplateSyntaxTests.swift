import Boot
import Testing

/// Each construct of the template language, rendered with `.none` escaping unless the test is
/// about escaping.
@Suite("Template: syntax") struct TemplateSyntaxTests {
    private let context: [String: TemplateValue] = [
        "name": "node1",
        "empty": "",
        "yes": true,
        "no": false,
        "keys": ["ssh-ed25519 AAA a@b", "ssh-rsa BBB c@d"],
        "none": [],
        "machine": ["hostname": "node1", "role": "server", "net": ["ip": "10.0.0.5"]],
        "labels": ["zone": "b", "rack": "r1"],
    ]

    private func render(_ source: String, escaping: TemplateEscaping = .none) throws -> String {
        try Template(name: "t", source: source).render(context, escaping: escaping)
    }

    @Test func plainTextPassesThrough() throws {
        #expect(try render("") == "")
        #expect(try render("a } b }} c %} d #} {x}\n") == "a } b }} c %} d #} {x}\n")
    }

    @Test func substitutions() throws {
        #expect(try render("host={{ name }}.") == "host=node1.")
        #expect(try render("{{name}}|{{   name   }}") == "node1|node1")
        #expect(try render("{{ machine.hostname }}/{{ machine.net.ip }}") == "node1/10.0.0.5")
        #expect(try render(#"{{ "{{" }} x {{ '}}' }}"#) == "{{ x }}")
        #expect(try render(#"{{ "a\"b\\c\td\ne" | raw }}"#) == "a\"b\\c\td\ne")
        #expect(try render("{{ yes }} {{ no }}") == "true false")
        #expect(try render("[{{ empty }}]") == "[]")
    }

    @Test func filters() throws {
        #expect(try render(#"{{ keys | join(",") }}"#) == "ssh-ed25519 AAA a@b,ssh-rsa BBB c@d")
        #expect(try render(#"{{ none | join(", ") }}"#) == "")
        #expect(try render(#"{{ keys | join(";") | yaml }}"#) == #""ssh-ed25519 AAA a@b;ssh-rsa BBB c@d""#)
        #expect(try render("{{ name | yaml }}") == #""node1""#)
        #expect(try render("{{ name | raw }}", escaping: .yamlDoubleQuoted) == "node1")
        #expect(try render("{{ name | json }}") == #""node1""#)
        #expect(try render("{{ keys | json }}") == #"["ssh-ed25519 AAA a@b","ssh-rsa BBB c@d"]"#)
        #expect(try render("{{ labels | json }}") == #"{"rack":"r1","zone":"b"}"#)
        #expect(try render("{{ yes | json }}") == "true")
        #expect(try render("{{ name | cmdline }}") == "node1")
    }

    @Test func defaultEscapingAppliesWithoutAnEscapingFilter() throws {
        #expect(try render("h: {{ name }}", escaping: .yamlDoubleQuoted) == #"h: "node1""#)
        #expect(try render(#"k: {{ keys | join(",") }}"#, escaping: .yamlDoubleQuoted) == #"k: "ssh-ed25519 AAA a@b,ssh-rsa BBB c@d""#)
        #expect(try render("{{ name }}", escaping: .kernelCommandLine) == "node1")
        #expect(try render("{{ name | json }}", escaping: .yamlDoubleQuoted) == #""node1""#)
    }

    @Test func conditionals() throws {
        let source = "{% if empty %}A{% elif none %}B{% elif name %}C{% else %}D{% endif %}"
        #expect(try render(source) == "C")
        #expect(try render("{% if no %}A{% else %}B{% endif %}") == "B")
        #expect(try render("{% if yes %}A{% endif %}{% if no %}B{% endif %}") == "A")
        #expect(try render("{% if keys %}k{% endif %}{% if labels %}l{% endif %}{% if none %}n{% endif %}") == "kl")
        #expect(try render("{% if not empty %}A{% endif %}{% if not not name %}B{% endif %}") == "AB")
    }

    @Test func comparisons() throws {
        #expect(try render(#"{% if machine.role == "server" %}S{% else %}A{% endif %}"#) == "S")
        #expect(try render(#"{% if machine.role != "server" %}A{% else %}S{% endif %}"#) == "S")
        #expect(try render(#"{% if "agent" == machine.role %}A{% else %}S{% endif %}"#) == "S")
        #expect(try render("{% if name == machine.hostname %}same{% endif %}") == "same")
        #expect(try render(#"{% if not machine.role == "agent" %}not agent{% endif %}"#) == "not agent")
    }

    @Test func definedTestsPresence() throws {
        #expect(try render("{% if defined(name) %}y{% else %}n{% endif %}") == "y")
        #expect(try render("{% if defined(missing) %}y{% else %}n{% endif %}") == "n")
        #expect(try render("{% if defined(machine.net.ip) %}y{% else %}n{% endif %}") == "y")
        #expect(try render("{% if defined(machine.cluster) %}y{% else %}n{% endif %}") == "n")
        #expect(try render("{% if defined(name.x) %}y{% else %}n{% endif %}") == "n")
        #expect(try render("{% if not defined(missing) %}absent{% endif %}") == "absent")
        #expect(try render("{% if defined(empty) %}y{% endif %}") == "y")
    }

    @Test func loopsOverLists() throws {
        let source = "{% for k in keys %}{{ loop.index }}:{{ k }}{% if loop.first %}(first){% endif %}{% if not loop.last %}, {% endif %}{% endfor %}"
        #expect(try render(source) == "1:ssh-ed25519 AAA a@b(first), 2:ssh-rsa BBB c@d")
        #expect(try render("[{% for k in none %}x{% endfor %}]") == "[]")
    }

    @Test func loopsOverMapsInKeyOrder() throws {
        #expect(try render("{% for l in labels %}{{ l.key }}={{ l.value }};{% endfor %}") == "rack=r1;zone=b;")
        #expect(try render("{% for m in machine.net %}{{ loop.index }}{{ m.key }}{% endfor %}") == "1ip")
    }

    @Test func nestedLoopsHaveTheirOwnLoopVariable() throws {
        let context: [String: TemplateValue] = ["rows": [["a", "b"], ["c"], ["d", "e", "f"]]]
        let source = "{% for row in rows %}{{ loop.index }}[{% for cell in row %}{{ loop.index }}{{ cell }}{% if not loop.last %},{% endif %}{% endfor %}]{% if loop.last %}.{% endif %}{% endfor %}"
        let text = try Template(name: "t", source: source).render(context, escaping: .none)
        #expect(text == "1[1a,2b]2[1c]3[1d,2e,3f].")
    }

    @Test func loopVariablesShadowAndThenRestoreTheContext() throws {
        let text = try render("{% for name in keys %}{% endfor %}{{ name }}{% for name in keys %}{{ loop.index }}{% endfor %}")
        #expect(text == "node112")
    }

    @Test func commentsVanish() throws {
        #expect(try render("a{# note {{ x }} {% if %} #}b") == "ab")
        #expect(try render("a{# two\nlines #}b") == "ab")
    }

    @Test func templatesRenderManyTimes() throws {
        let template = try Template(name: "t", source: "{{ who }}")
        #expect(try template.render(["who": "a"], escaping: .none) == "a")
        #expect(try template.render(["who": "b"], escaping: .none) == "b")
        #expect(template.name == "t")
    }

    @Test func literalsAreValues() {
        let value: TemplateValue = ["a": ["x", true], "a2": "y"]
        #expect(value == .map(["a": .list([.string("x"), .bool(true)]), "a2": .string("y")]))
        #expect(TemplateValue.string("").isTruthy == false)
        #expect(TemplateValue.map([:]).isTruthy == false)
        #expect(TemplateValue.bool(true).isTruthy)
        #expect(TemplateValue.list([]).typeName == "list")
    }
}
