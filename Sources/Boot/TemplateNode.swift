/// A parsed template: text, substitutions and the blocks around them.
indirect enum TemplateNode: Sendable {
    case text(String)
    /// `{{ operand | filter ... }}`
    case substitution(TemplateSubstitution)
    /// `{% if %}` branches in order, then the `{% else %}` body (empty without one).
    case conditional([TemplateBranch], otherwise: [TemplateNode])
    /// `{% for variable in sequence %}`
    case loop(TemplateLoopHeader, body: [TemplateNode])
}

/// One `{% if %}` or `{% elif %}` and the nodes it guards.
struct TemplateBranch: Sendable {
    let condition: TemplateCondition
    let body: [TemplateNode]
}

/// `{% for variable in sequence %}`.
struct TemplateLoopHeader: Sendable {
    let variable: String
    let sequence: TemplatePath
}

/// A name and its members: `machine.hostname`, with each part's position for error messages.
struct TemplatePath: Sendable {
    let names: [String]
    let positions: [TemplatePosition]

    var text: String { names.joined(separator: ".") }

    func prefix(through index: Int) -> String { names.prefix(index + 1).joined(separator: ".") }
}

/// What a condition or a substitution starts from.
enum TemplateOperand: Sendable {
    case path(TemplatePath)
    case literal(String, TemplatePosition)

    var position: TemplatePosition {
        switch self {
        case .path(let path): path.positions.first ?? .start
        case .literal(_, let position): position
        }
    }

    /// How messages name it: the path, or the quoted literal.
    var text: String {
        switch self {
        case .path(let path): "\"\(path.text)\""
        case .literal(let value, _): TemplateEscaping.quoteJSON(value)
        }
    }
}

/// `[not ...] operand`, `[not ...] defined(path)`, `[not ...] a == b`, `[not ...] a != b`.
struct TemplateCondition: Sendable {
    enum Test: Sendable {
        case truthy(TemplateOperand)
        case defined(TemplatePath)
        case compare(TemplateOperand, TemplateOperand, equal: Bool, at: TemplatePosition)
    }

    let test: Test
    /// An odd number of `not`s.
    let negated: Bool
}

/// `{{ x | ... }}`: the value, then its filters in order.
struct TemplateSubstitution: Sendable {
    let operand: TemplateOperand
    let filters: [TemplateFilter]
}

/// A filter and where its name is.
struct TemplateFilter: Sendable {
    enum Kind: Sendable {
        /// `join("sep")`: a list of strings to one string.
        case join(String)
        /// `yaml`, `cmdline`, `sh`, `raw`: scalar text escaped for its destination.
        case escape(TemplateEscaping)
        /// `json`: any value as JSON.
        case json
    }

    let name: String
    let kind: Kind
    let position: TemplatePosition

    static let names = ["cmdline", "join", "json", "raw", "sh", "yaml"]

    /// Escaping filters decide the final text, so they must come last.
    var escapes: Bool {
        if case .join = kind { return false }
        return true
    }
}
