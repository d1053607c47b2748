import Boot
import Testing

/// Whitespace control: lines holding only block tags or comments vanish, so YAML written with
/// tags at any indentation renders with exactly the indentation of its content lines.
@Suite("Template: whitespace control") struct TemplateWhitespaceTests {
    private func render(_ source: String, _ context: [String: TemplateValue] = [:], escaping: TemplateEscaping = .none) throws -> String {
        try Template(name: "t", source: source).render(context, escaping: escaping)
    }

    @Test func cloudConfigWithALoopOverSSHKeys() throws {
        let source = """
            #cloud-config
            {# rendered per machine by provisiond #}
            hostname: {{ machine.hostname }}
            users:
              - name: ops
                sudo: ALL=(ALL) NOPASSWD:ALL
                {% if defined(machine.ssh_keys) %}
                ssh_authorized_keys:
                  {% for key in machine.ssh_keys %}
                  - {{ key }}
                  {% endfor %}
                {% endif %}
                shell: /bin/bash
            {% if defined(machine.role) %}
            runcmd:
              {% for step in steps %}
              - [sh, -c, {{ step }}]  # step {{ loop.index | raw }}{% if loop.last %} (last){% endif %}
              {% endfor %}
            {% endif %}
            final_message: {{ "done" }}

            """
        let context: [String: TemplateValue] = [
            "machine": ["hostname": "node1", "role": "server", "ssh_keys": ["ssh-ed25519 AAAA ops@laptop", "ssh-rsa BB\"B x"]],
            "steps": ["echo one", "systemctl enable --now k3s"],
        ]
        let text = try render(source, context, escaping: .yamlDoubleQuoted)
        #expect(text == """
            #cloud-config
            hostname: "node1"
            users:
              - name: ops
                sudo: ALL=(ALL) NOPASSWD:ALL
                ssh_authorized_keys:
                  - "ssh-ed25519 AAAA ops@laptop"
                  - "ssh-rsa BB\\"B x"
                shell: /bin/bash
            runcmd:
              - [sh, -c, "echo one"]  # step 1
              - [sh, -c, "systemctl enable --now k3s"]  # step 2 (last)
            final_message: "done"

            """)

        // Without keys the whole ssh_authorized_keys block goes, leaving no blank lines.
        var bare = context
        bare["machine"] = ["hostname": "node2"]
        bare["steps"] = []
        #expect(try render(source, bare, escaping: .yamlDoubleQuoted) == """
            #cloud-config
            hostname: "node2"
            users:
              - name: ops
                sudo: ALL=(ALL) NOPASSWD:ALL
                shell: /bin/bash
            final_message: "done"

            """)
    }

    @Test func tagLinesWithTabsAndSeveralTagsVanish() throws {
        #expect(try render("a\n\t {% if x %}  \nb\n{% endif %}{# c #} {% if x %}{% endif %}\t\nc", ["x": true]) == "a\nb\nc")
    }

    @Test func tagsSharingALineWithTextStay() throws {
        #expect(try render("a {% if x %}b{% endif %}\nc", ["x": true]) == "a b\nc")
        #expect(try render("  {% if x %}b\n{% endif %}", ["x": true]) == "  b\n")
        #expect(try render("{% if x %}\n  b {% endif %}\n", ["x": true]) == "  b \n")
    }

    @Test func substitutionsNeverTrim() throws {
        #expect(try render("  {{ x }}  \n", ["x": ""]) == "    \n")
        #expect(try render("{{ x }}{% if x %}{% endif %}\nz", ["x": ""]) == "\nz")
    }

    @Test func firstAndLastLinesAndCRLF() throws {
        #expect(try render("{% if x %}\nbody\n{% endif %}", ["x": true]) == "body\n")
        #expect(try render("  {# c #}  ") == "")
        #expect(try render("a\r\n  {% if x %}\r\nb\r\n{% endif %}\r\n", ["x": true]) == "a\r\nb\r\n")
    }

    @Test func multiLineCommentsVanishWithTheirLines() throws {
        #expect(try render("a\n  {# one\n  two #}\nb") == "a\nb")
    }

    @Test func aLoopRepeatsWholeLines() throws {
        let source = "list:\n  {% for i in items %}\n  - {{ i.key }}: {{ i.value }}\n  {% endfor %}\nend\n"
        #expect(try render(source, ["items": ["b": "2", "a": "1"]]) == "list:\n  - a: 1\n  - b: 2\nend\n")
    }
}
