/// A template for cloud-init payloads, kernel command lines and iPXE scripts: a small, strict,
/// Jinja-like language, parsed once and rendered many times. Pure: no I/O, no Foundation.
///
/// - `{{ name }}`, `{{ machine.hostname }}`, `{{ "literal" }}`, with filters: `yaml` (a YAML
///   double-quoted scalar, always quoted), `cmdline` (one kernel command-line word; whitespace,
///   quotes and control characters are refused), `json` (any value as JSON), `raw` (as is) and
///   `join("sep")` (a list of strings to one string). Unless the last filter is one of the
///   escaping four, the `escaping` given to `render` is applied.
/// - `{% if cond %}...{% elif cond %}...{% else %}...{% endif %}`, where a condition is a
///   variable or literal (truthy: non-empty string, list or map, or `true`), `a == b`, `a != b`
///   or `defined(path)`, each optionally preceded by `not`.
/// - `{% for item in path %}...{% endfor %}` over a list, or over a map's members in key order as
///   `item.key` / `item.value`; `loop.index` (from 1), `loop.first`, `loop.last` inside.
/// - `{# comment #}`.
/// - A line holding only block tags and comments disappears entirely from the output (see
///   `TemplateLineTrimmer`), so YAML indentation stays as written.
///
/// Strictness: an unknown variable or member, anywhere it is evaluated (substitution, condition,
/// loop), is an error naming it, its line and column; so is a list or map where text is needed.
/// Syntax errors (unclosed tags, mismatched end tags, unknown tags or filters) come from `init`.
public struct Template: Sendable {
    /// The name errors carry, normally the file name (`user-data.yaml`).
    public let name: String
    let nodes: [TemplateNode]

    /// Parses `source`; every syntax error is thrown here, not at render time.
    public init(name: String, source: String) throws(TemplateError) {
        self.name = name
        var lexer = TemplateLexer(name: name, source: source)
        let tokens = TemplateLineTrimmer.trim(try lexer.tokenize())
        nodes = try TemplateParser(name: name).parse(tokens)
    }

    /// The template's text for `context`. `escaping` applies to each substitution that does not
    /// end in an escaping filter (`yaml`, `cmdline`, `json`, `raw`).
    /// `limits` bound the work of one render (`TemplateLimits.standard` unless a test says less).
    public func render(_ context: [String: TemplateValue], escaping: TemplateEscaping,
                       limits: TemplateLimits = .standard) throws(TemplateError) -> String {
        var renderer = TemplateRenderer(name: name, escaping: escaping, context: context, limits: limits)
        try renderer.render(nodes)
        return renderer.output
    }
}
