import Boot
import Testing

/// Errors name the template, the line and column, and what is wrong; render errors never turn
/// into empty output.
@Suite("Template: errors") struct TemplateErrorTests {
    private let context: [String: TemplateValue] = [
        "machine": ["hostname": "node1", "keys": ["k1"]],
        "keys": ["k1", "k2"],
        "nested": [["x"]],
        "name": "n",
        "flag": true,
    ]

    /// The error `source` gives, from parsing or rendering, or nil if it renders.
    private func failure(_ source: String, escaping: TemplateEscaping = .none) -> TemplateError? {
        do {
            _ = try Template(name: "user-data.yaml", source: source).render(context, escaping: escaping)
            return nil
        } catch {
            return error
        }
    }

    private func parseFailure(_ source: String) -> TemplateError? {
        do {
            _ = try Template(name: "user-data.yaml", source: source)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Render errors

    @Test func unknownVariableInSubstitution() {
        let error = failure("#cloud-config\nhostname: x\nfqdn: {{ hostnme }}\n")
        #expect(error == TemplateError(template: "user-data.yaml", line: 3, column: 10, message: #"unknown variable "hostnme" (known: flag, keys, machine, name, nested)"#))
        #expect(error?.description == #"template user-data.yaml line 3 column 10: unknown variable "hostnme" (known: flag, keys, machine, name, nested)"#)
    }

    @Test func unknownMemberInADottedPath() {
        let error = failure("a\n  h: {{ machine.hostnme }}")
        #expect(error?.line == 2)
        #expect(error?.column == 17)
        #expect(error?.message == #""machine" has no member "hostnme" (known: hostname, keys)"#)
    }

    @Test func memberOfAStringOrList() {
        #expect(failure("{{ machine.hostname.x }}")?.message == #""machine.hostname" is a string, not a map, so it has no member "x""#)
        #expect(failure("{{ keys.first }}")?.message == #""keys" is a list, not a map, so it has no member "first""#)
    }

    @Test func unknownVariableInALoop() {
        let error = failure("users:\n{% for k in machine.ssh_keys %}\n  - {{ k }}\n{% endfor %}\n")
        #expect(error?.line == 2)
        #expect(error?.column == 21)
        #expect(error?.message.hasPrefix(#""machine" has no member "ssh_keys""#) == true)
        let inside = failure("{% for k in keys %}\n{{ loop.index }} {{ kk }}\n{% endfor %}")
        #expect(inside?.line == 2)
        #expect(inside?.column == 21)
        #expect(inside?.message.hasPrefix(#"unknown variable "kk" (known: "#) == true)
        #expect(inside?.message.contains("loop") == true)
    }

    @Test func unknownVariableInACondition() {
        let error = failure("a\nb\n{% if fag %}x{% endif %}")
        #expect(error?.line == 3)
        #expect(error?.column == 7)
        #expect(error?.message.hasPrefix(#"unknown variable "fag""#) == true)
        #expect(failure(#"{% if flag %}{% elif missing == "x" %}{% endif %}"#) == nil, "a branch never evaluated is not checked")
        #expect(failure(#"{% if not flag %}{% elif missing == "x" %}{% endif %}"#)?.message.hasPrefix(#"unknown variable "missing""#) == true)
        #expect(failure(#"{% if name == other %}{% endif %}"#)?.column == 15)
    }

    @Test func loopVariableIsGoneAfterTheLoop() {
        #expect(failure("{% for k in keys %}{% endfor %}{{ k }}")?.message.hasPrefix(#"unknown variable "k""#) == true)
        #expect(failure("{{ loop.index }}")?.message.hasPrefix(#"unknown variable "loop""#) == true)
    }

    @Test func listWhereTextIsNeeded() {
        let error = failure("ssh: {{ keys }}")
        #expect(error?.column == 9)
        #expect(error?.message == #""keys" is a list, not a string (use | join(",") or | json)"#)
        #expect(failure("{{ machine | yaml }}")?.message.hasPrefix(#""machine" is a map, not a string"#) == true)
        #expect(failure("{{ keys }}", escaping: .yamlDoubleQuoted) != nil)
        #expect(failure("{{ keys | raw }}") != nil)
    }

    @Test func textWhereAListIsNeeded() {
        #expect(failure("{% for c in name %}{% endfor %}")?.message == #"cannot loop over "name": it is a string, not a list or a map"#)
        #expect(failure("{% for c in flag %}{% endfor %}")?.column == 13)
        let join = failure(#"{{ name | join(",") }}"#)
        #expect(join?.column == 11)
        #expect(join?.message == #"join needs a list, but "name" is a string"#)
        #expect(failure(#"{{ nested | join(",") }}"#)?.message == #"join needs a list of strings, but item 1 of "nested" is a list"#)
    }

    @Test func comparingDifferentTypes() {
        let error = failure(#"{% if keys == "k1" %}{% endif %}"#)
        #expect(error?.column == 12)
        #expect(error?.message == #"cannot compare "keys", a list, with "k1", a string"#)
        #expect(failure(#"{% if flag != "true" %}{% endif %}"#) != nil)
    }

    // MARK: Parse errors

    @Test(arguments: [
        ("a\n  {{ name ", 2, 3, "{{ is not closed: expected }} before the end of the template"),
        ("{% if name ", 1, 1, "{% is not closed: expected %} before the end of the template"),
        ("x\n{# note", 2, 1, "{# is not closed: expected #} before the end of the template"),
        ("{{ name %}", 1, 9, "the {{ at line 1 column 1 must be closed with }}, not %}"),
        ("{% if a }}", 1, 9, "the {% at line 1 column 1 must be closed with %}, not }}"),
        ("{{ }}", 1, 4, "expected a variable name or a string literal, found }}"),
        ("{{ a b }}", 1, 6, #"expected | or }}, found "b""#),
        ("{{ a. }}", 1, 7, #"expected a member name after ".", found }}"#),
        ("{{ a | upper }}", 1, 8, #"unknown filter "upper" (known: cmdline, join, json, raw, sh, yaml)"#),
        ("{{ a | }}", 1, 8, "expected a filter name after \"|\" (cmdline, join, json, raw, sh, yaml), found }}"),
        ("{{ a | join }}", 1, 13, "join needs a separator, as in join(\",\"); found }}"),
        ("{{ a | join(x) }}", 1, 13, "join needs a string literal separator, as in join(\",\"); found \"x\""),
        ("{{ a | join(\",\" }}", 1, 17, "expected \")\" after join's separator, found }}"),
        (#"{{ a | yaml("x") }}"#, 1, 12, "filter \"yaml\" takes no arguments"),
        ("{{ a | yaml | raw }}", 1, 15, "filter \"yaml\" escapes the value for where it goes, so it must be the last filter"),
        ("{{ a $ }}", 1, 6, "unexpected character \"$\" (U+0024) in the {{ at line 1 column 1"),
        ("{% if a = \"b\" %}", 1, 9, "unexpected character \"=\" (U+003D) in the {% at line 1 column 1 (comparisons are == and !=)"),
        ("{{ {{ a }} }}", 1, 4, "unexpected \"{\" inside the {{ at line 1 column 1: tags do not nest"),
        ("{{ \"abc }}\n", 1, 4, "string literal is not closed before the end of its line"),
        ("{{ \"a\\qb\" }}", 1, 6, "unknown escape \"\\\\q\" in a string literal (known: \\\\ \\\" \\' \\n \\t)"),
        ("{% %}", 1, 1, "empty {% %} tag (known tags: if, elif, else, endif, for, endfor)"),
        ("{% \"if\" %}", 1, 4, "expected a tag name (if, elif, else, endif, for, endfor), found the string \"if\""),
        ("{% while x %}", 1, 4, "unknown tag \"while\" (known: if, elif, else, endif, for, endfor)"),
        ("{% if %}{% endif %}", 1, 7, "expected a variable name or a string literal, found %}"),
        ("{% if a b %}{% endif %}", 1, 9, "expected %}, found \"b\""),
        ("{% if defined(a %}{% endif %}", 1, 17, "expected \")\" to close defined(, found %}"),
        ("{% if a == %}{% endif %}", 1, 12, "expected a variable name or a string literal, found %}"),
        ("x\n\n  {% if a %}\nb", 3, 3, "{% if %} at line 3 column 3 is never closed: expected {% endif %} before the end of the template"),
        ("{% for k in keys %}\n{% if a %}\n{% endfor %}", 3, 4, "{% endfor %} found where {% endif %} should close the {% if %} at line 2 column 1"),
        ("{% if a %}{% endfor %}", 1, 14, "{% endfor %} found where {% endif %} should close the {% if %} at line 1 column 1"),
        ("{% for k in keys %}{% endif %}", 1, 23, "{% endif %} found where {% endfor %} should close the {% for %} at line 1 column 1"),
        ("{% for k in keys %}{% else %}{% endfor %}", 1, 23, "{% else %} found where {% endfor %} should close the {% for %} at line 1 column 1"),
        ("{% endif %}", 1, 4, "{% endif %} without an open {% if %}"),
        ("a\n {% endfor %}", 2, 5, "{% endfor %} without an open {% for %}"),
        ("{% elif a %}", 1, 4, "{% elif %} without an open {% if %}"),
        ("{% if a %}{% else %}{% else %}{% endif %}", 1, 24, "a second {% else %} in the {% if %} at line 1 column 1"),
        ("{% if a %}{% else %}{% elif b %}{% endif %}", 1, 24, "{% elif %} after {% else %} in the {% if %} at line 1 column 1"),
        ("{% if a %}{% else b %}{% endif %}", 1, 19, "expected %}, found \"b\""),
        ("{% if a %}{% endif a %}", 1, 20, "expected %}, found \"a\""),
        ("{% for %}{% endfor %}", 1, 8, "expected a loop variable name, found %}"),
        ("{% for k keys %}{% endfor %}", 1, 10, "expected \"in\", found \"keys\""),
        ("{% for k in %}{% endfor %}", 1, 13, "expected a variable name, found %}"),
        ("{% for k in \"ab\" %}{% endfor %}", 1, 13, "expected a variable name, found the string \"ab\""),
        ("{% for loop in keys %}{% endfor %}", 1, 8, "a loop variable cannot be called \"loop\": that name holds loop.index, loop.first and loop.last"),
    ])
    func syntaxErrors(source: String, line: Int, column: Int, message: String) {
        let error = parseFailure(source)
        #expect(error == TemplateError(template: "user-data.yaml", line: line, column: column, message: message))
    }

    @Test func columnsCountUnicodeScalars() {
        #expect(parseFailure("héllo 🚀 {{ x | nope }}")?.column == 16)
    }

    @Test func nestingHasALimit() {
        let deep = String(repeating: "{% if a %}", count: 100) + String(repeating: "{% endif %}", count: 100)
        #expect(parseFailure(deep) == nil)
        let deeper = String(repeating: "{% for x in a %}", count: 101)
        #expect(parseFailure(deeper)?.message == "blocks are nested more than 100 deep")
        let huge = String(repeating: "{% if a %}", count: 50_000)
        #expect(parseFailure(huge)?.column == 1_004)
    }

    @Test func longNotChainsDoNotRecurse() throws {
        let source = "{% if " + String(repeating: "not ", count: 100_001) + "flag %}y{% else %}n{% endif %}"
        #expect(try Template(name: "t", source: source).render(["flag": true], escaping: .none) == "n")
    }
}
