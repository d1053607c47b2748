/// Renders a parsed template against a context. Strict: an unknown variable or member, a list
/// where text is needed, or a value the escaping refuses is an error naming the expression and
/// its position, never an empty string.
struct TemplateRenderer {
    let name: String
    let escaping: TemplateEscaping
    let limits: TemplateLimits
    /// The context, then one scope per enclosing `{% for %}` (innermost last).
    private var scopes: [[String: TemplateValue]]
    private(set) var output = ""
    private var iterations = 0
    /// The last substitution or loop reached, for the output limit's error.
    private var lastPosition = TemplatePosition.start

    init(name: String, escaping: TemplateEscaping, context: [String: TemplateValue], limits: TemplateLimits = .standard) {
        self.name = name
        self.escaping = escaping
        self.limits = limits
        self.scopes = [context]
    }

    private func error(at position: TemplatePosition, _ message: String) -> TemplateError {
        TemplateError(name, at: position, message)
    }

    mutating func render(_ nodes: [TemplateNode]) throws(TemplateError) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .substitution(let substitution):
                lastPosition = substitution.operand.position
                output += try substitute(substitution)
            case .conditional(let branches, let otherwise):
                var chosen = otherwise
                for branch in branches {
                    if try holds(branch.condition) {
                        chosen = branch.body
                        break
                    }
                }
                try render(chosen)
            case .loop(let header, let body):
                let items = try sequence(header.sequence)
                let position = header.sequence.positions.first ?? .start
                for (offset, item) in items.enumerated() {
                    iterations += 1
                    if iterations > limits.iterations {
                        throw error(at: position, "more than \(limits.iterations) loop iterations in one render (nested loops multiply)")
                    }
                    lastPosition = position
                    let loop: TemplateValue = .map([
                        "index": .string(String(offset + 1)),
                        "first": .bool(offset == 0),
                        "last": .bool(offset == items.count - 1),
                    ])
                    scopes.append([header.variable: item, "loop": loop])
                    try render(body)
                    scopes.removeLast()
                }
            }
            if output.utf8.count > limits.outputBytes {
                throw error(at: lastPosition, "output exceeds \(limits.outputBytes) bytes")
            }
        }
    }

    // MARK: Values

    private func resolve(_ name: String) -> TemplateValue? {
        for scope in scopes.reversed() {
            if let value = scope[name] { return value }
        }
        return nil
    }

    /// The value at `path`, or nil (with why) when it is not there.
    private func find(_ path: TemplatePath) -> Result<TemplateValue, TemplateError> {
        guard let root = path.names.first, var value = resolve(root) else {
            let known = Set(scopes.flatMap(\.keys))
            return .failure(error(at: path.positions.first ?? .start, "unknown variable \"\(path.names.first ?? "")\"\(Self.listing(known))"))
        }
        for index in path.names.indices.dropFirst() {
            let member = path.names[index]
            let owner = path.prefix(through: index - 1)
            guard case .map(let members) = value else {
                return .failure(error(at: path.positions[index], "\"\(owner)\" is a \(value.typeName), not a map, so it has no member \"\(member)\""))
            }
            guard let next = members[member] else {
                return .failure(error(at: path.positions[index], "\"\(owner)\" has no member \"\(member)\"\(Self.listing(Set(members.keys)))"))
            }
            value = next
        }
        return .success(value)
    }

    private func value(of operand: TemplateOperand) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .literal(let text, _): return .string(text)
        case .path(let path): return try find(path).get()
        }
    }

    /// ` (known: a, b, c)`, at most a dozen names.
    private static func listing(_ names: Set<String>) -> String {
        guard !names.isEmpty else { return "" }
        let sorted = names.sorted()
        let shown = sorted.prefix(12).joined(separator: ", ")
        return " (known: \(shown)\(sorted.count > 12 ? ", ..." : ""))"
    }

    // MARK: Blocks

    private func holds(_ condition: TemplateCondition) throws(TemplateError) -> Bool {
        let result: Bool
        switch condition.test {
        case .truthy(let operand):
            result = try value(of: operand).isTruthy
        case .defined(let path):
            if case .success = find(path) { result = true } else { result = false }
        case .compare(let left, let right, let equal, let at):
            let a = try value(of: left)
            let b = try value(of: right)
            guard a.typeName == b.typeName else {
                throw error(at: at, "cannot compare \(left.text), a \(a.typeName), with \(right.text), a \(b.typeName)")
            }
            result = (a == b) == equal
        }
        return result != condition.negated
    }

    /// A list's items, or a map's members as `{key, value}` maps in key order.
    private func sequence(_ path: TemplatePath) throws(TemplateError) -> [TemplateValue] {
        switch try find(path).get() {
        case .list(let items):
            return items
        case .map(let members):
            return members.keys.sorted().map { key in .map(["key": .string(key), "value": members[key] ?? .string("")]) }
        case let other:
            throw error(at: path.positions.first ?? .start, "cannot loop over \"\(path.text)\": it is a \(other.typeName), not a list or a map")
        }
    }

    // MARK: Substitutions

    private func substitute(_ substitution: TemplateSubstitution) throws(TemplateError) -> String {
        var value = try value(of: substitution.operand)
        var described = substitution.operand.text
        for filter in substitution.filters {
            switch filter.kind {
            case .join(let separator):
                value = .string(try join(value, separator: separator, described: described, at: filter.position))
                described = "\(described) | join"
            case .escape(let escaping):
                return try escape(value, escaping, described: described, at: substitution.operand.position)
            case .json:
                return TemplateEscaping.json(value)
            }
        }
        return try escape(value, escaping, described: described, at: substitution.operand.position)
    }

    private func join(_ value: TemplateValue, separator: String, described: String, at position: TemplatePosition) throws(TemplateError) -> String {
        guard case .list(let items) = value else {
            throw error(at: position, "join needs a list, but \(described) is a \(value.typeName)")
        }
        var texts: [String] = []
        for (offset, item) in items.enumerated() {
            guard let text = item.scalarText else {
                throw error(at: position, "join needs a list of strings, but item \(offset + 1) of \(described) is a \(item.typeName)")
            }
            texts.append(text)
        }
        return texts.joined(separator: separator)
    }

    private func escape(_ value: TemplateValue, _ escaping: TemplateEscaping, described: String, at position: TemplatePosition) throws(TemplateError) -> String {
        guard let text = value.scalarText else {
            throw error(at: position, "\(described) is a \(value.typeName), not a string (use | join(\",\") or | json)")
        }
        switch escaping {
        case .none:
            return text
        case .yamlDoubleQuoted:
            return TemplateEscaping.quoteYAML(text)
        case .kernelCommandLine:
            if let problem = TemplateEscaping.commandLineProblem(text) {
                throw error(at: position, "\(described) cannot be one kernel command-line word: \(problem)")
            }
            return text
        case .shellWord:
            if let control = text.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                throw error(at: position, "\(described) cannot be one shell word on a line: it contains a control character (U+\(TemplateEscaping.hex(control.value, digits: 4)))")
            }
            return TemplateEscaping.quoteShell(text)
        }
    }
}
