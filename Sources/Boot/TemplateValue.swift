/// A value a template can see. The render context maps top-level names to these; `{{ a.b }}`
/// reaches into maps, `{% for %}` walks lists and maps.
public indirect enum TemplateValue: Equatable, Sendable {
    case string(String)
    case list([TemplateValue])
    case map([String: TemplateValue])
    case bool(Bool)

    /// "string", "list", "map" or "bool", for error messages.
    public var typeName: String {
        switch self {
        case .string: "string"
        case .list: "list"
        case .map: "map"
        case .bool: "bool"
        }
    }

    /// Whether `{% if %}` takes the branch: a non-empty string, list or map, or `true`.
    public var isTruthy: Bool {
        switch self {
        case .string(let text): !text.isEmpty
        case .list(let items): !items.isEmpty
        case .map(let members): !members.isEmpty
        case .bool(let flag): flag
        }
    }

    /// The text a scalar substitutes as (`true` / `false` for a bool); nil for a list or a map.
    var scalarText: String? {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .list, .map: nil
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    /// A repeated key keeps its last value (a literal never traps).
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
