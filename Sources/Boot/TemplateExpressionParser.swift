/// Reads the words of one tag: a substitution's operand and filters, a condition, a loop header.
/// Every error points at the offending word, or at the tag's closer when words are missing.
struct TemplateExpressionParser {
    private let name: String
    private let tag: TemplateTag
    private var index: Int

    /// Starts at word `index` (after the tag name of a block tag).
    init(name: String, tag: TemplateTag, from index: Int = 0) {
        self.name = name
        self.tag = tag
        self.index = index
    }

    private var current: TemplateWord? { index < tag.words.count ? tag.words[index] : nil }
    private var here: TemplatePosition { current?.position ?? tag.close }

    private func error(_ message: String) -> TemplateError { TemplateError(name, at: here, message) }

    private func found() -> String { TemplateWord.describe(current, in: tag) }

    private mutating func take(symbol: String) -> Bool {
        guard current?.kind == .symbol(symbol) else { return false }
        index += 1
        return true
    }

    private mutating func take(keyword: String) -> Bool {
        guard current?.kind == .name(keyword) else { return false }
        index += 1
        return true
    }

    private mutating func name(_ expected: String) throws(TemplateError) -> (String, TemplatePosition) {
        guard let word = current, case .name(let name) = word.kind else { throw error("expected \(expected), found \(found())") }
        index += 1
        return (name, word.position)
    }

    /// No words may follow.
    mutating func end(orAlso alternative: String? = nil) throws(TemplateError) {
        guard current != nil else { return }
        let expected = alternative.map { "\($0) or \(tag.kind.closer)" } ?? tag.kind.closer
        throw error("expected \(expected), found \(found())")
    }

    /// `operand (| filter)*`
    mutating func substitution() throws(TemplateError) -> TemplateSubstitution {
        let operand = try operand()
        var filters: [TemplateFilter] = []
        while take(symbol: "|") {
            if let previous = filters.last, previous.escapes {
                throw error("filter \"\(previous.name)\" escapes the value for where it goes, so it must be the last filter")
            }
            filters.append(try filter())
        }
        try end(orAlso: "|")
        return TemplateSubstitution(operand: operand, filters: filters)
    }

    /// `not* (defined(path) | operand [(== | !=) operand])`
    mutating func condition() throws(TemplateError) -> TemplateCondition {
        var negated = false
        while take(keyword: "not") { negated.toggle() }
        let test: TemplateCondition.Test
        if current?.kind == .name("defined"), index + 1 < tag.words.count, tag.words[index + 1].kind == .symbol("(") {
            index += 2
            let path = try path()
            guard take(symbol: ")") else { throw error("expected \")\" to close defined(, found \(found())") }
            test = .defined(path)
        } else {
            let left = try operand()
            let at = here
            if take(symbol: "==") {
                test = .compare(left, try operand(), equal: true, at: at)
            } else if take(symbol: "!=") {
                test = .compare(left, try operand(), equal: false, at: at)
            } else {
                test = .truthy(left)
            }
        }
        try end()
        return TemplateCondition(test: test, negated: negated)
    }

    /// `variable in path` (after `for`).
    mutating func loopHeader() throws(TemplateError) -> TemplateLoopHeader {
        let (variable, position) = try name("a loop variable name")
        guard variable != "loop" else {
            throw TemplateError(name, at: position, "a loop variable cannot be called \"loop\": that name holds loop.index, loop.first and loop.last")
        }
        guard take(keyword: "in") else { throw error("expected \"in\", found \(found())") }
        let sequence = try path()
        try end()
        return TemplateLoopHeader(variable: variable, sequence: sequence)
    }

    /// `name (. name)*`
    private mutating func path() throws(TemplateError) -> TemplatePath {
        let (first, position) = try name("a variable name")
        var names = [first]
        var positions = [position]
        while take(symbol: ".") {
            let (member, at) = try name("a member name after \".\"")
            names.append(member)
            positions.append(at)
        }
        return TemplatePath(names: names, positions: positions)
    }

    /// A path or a string literal.
    private mutating func operand() throws(TemplateError) -> TemplateOperand {
        if let word = current, case .string(let value) = word.kind {
            index += 1
            return .literal(value, word.position)
        }
        guard let word = current, case .name = word.kind else {
            throw error("expected a variable name or a string literal, found \(found())")
        }
        return .path(try path())
    }

    /// `yaml`, `cmdline`, `sh`, `raw`, `json` or `join("sep")`.
    private mutating func filter() throws(TemplateError) -> TemplateFilter {
        let (filter, position) = try name("a filter name after \"|\" (\(TemplateFilter.names.joined(separator: ", ")))")
        let kind: TemplateFilter.Kind
        switch filter {
        case "yaml": kind = .escape(.yamlDoubleQuoted)
        case "cmdline": kind = .escape(.kernelCommandLine)
        case "raw": kind = .escape(.none)
        case "sh": kind = .escape(.shellWord)
        case "json": kind = .json
        case "join":
            guard take(symbol: "(") else { throw error("join needs a separator, as in join(\",\"); found \(found())") }
            guard let word = current, case .string(let separator) = word.kind else {
                throw error("join needs a string literal separator, as in join(\",\"); found \(found())")
            }
            index += 1
            guard take(symbol: ")") else { throw error("expected \")\" after join's separator, found \(found())") }
            return TemplateFilter(name: filter, kind: .join(separator), position: position)
        default:
            throw TemplateError(name, at: position, "unknown filter \"\(filter)\" (known: \(TemplateFilter.names.joined(separator: ", ")))")
        }
        if current?.kind == .symbol("(") { throw error("filter \"\(filter)\" takes no arguments") }
        return TemplateFilter(name: filter, kind: kind, position: position)
    }
}
