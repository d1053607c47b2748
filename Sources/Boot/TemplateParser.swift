/// Builds the node tree from tokens with an explicit stack of open blocks (no recursion, so no
/// input can exhaust the stack), checking that every `{% if %}` and `{% for %}` is closed by its
/// own end tag.
struct TemplateParser {
    /// Deepest nesting of blocks; deeper is a parse error (and keeps rendering's recursion shallow).
    static let maxNesting = 100
    static let tagNames = "if, elif, else, endif, for, endfor"

    let name: String

    /// An open block and the nodes collected for it so far.
    private struct Frame {
        enum Kind {
            case root
            case conditional
            case loop(TemplateLoopHeader)
        }

        var kind: Kind
        var opened: TemplatePosition
        var nodes: [TemplateNode] = []
        /// Finished branches of a conditional.
        var branches: [TemplateBranch] = []
        /// The open branch's condition; nil in `{% else %}`.
        var condition: TemplateCondition?

        var isConditional: Bool {
            if case .conditional = kind { return true }
            return false
        }

        var isLoop: Bool {
            if case .loop = kind { return true }
            return false
        }

        /// `{% if %} at line 3 column 1`
        var tag: String {
            switch kind {
            case .root: "the template"
            case .conditional: "{% if %} at \(opened)"
            case .loop: "{% for %} at \(opened)"
            }
        }

        /// `the {% if %} at line 3 column 1`
        var opening: String { "the \(tag)" }

        var closer: String { isLoop ? "{% endfor %}" : "{% endif %}" }
    }

    func parse(_ tokens: [TemplateToken]) throws(TemplateError) -> [TemplateNode] {
        var stack = [Frame(kind: .root, opened: .start)]
        for token in tokens {
            switch token {
            case .comment:
                continue
            case .text(let text):
                if !text.isEmpty { stack[stack.count - 1].nodes.append(.text(text)) }
            case .output(let tag):
                var expression = TemplateExpressionParser(name: name, tag: tag)
                stack[stack.count - 1].nodes.append(.substitution(try expression.substitution()))
            case .block(let tag):
                try block(tag, stack: &stack)
            }
        }
        let top = stack[stack.count - 1]
        guard stack.count == 1 else {
            throw TemplateError(name, at: top.opened, "\(top.tag) is never closed: expected \(top.closer) before the end of the template")
        }
        return top.nodes
    }

    private func block(_ tag: TemplateTag, stack: inout [Frame]) throws(TemplateError) {
        guard let first = tag.words.first else { throw TemplateError(name, at: tag.open, "empty {% %} tag (known tags: \(Self.tagNames))") }
        guard case .name(let keyword) = first.kind else {
            throw TemplateError(name, at: first.position, "expected a tag name (\(Self.tagNames)), found \(TemplateWord.describe(first, in: tag))")
        }
        var expression = TemplateExpressionParser(name: name, tag: tag, from: 1)
        let top = stack.count - 1
        switch keyword {
        case "if", "for":
            guard stack.count <= Self.maxNesting else {
                throw TemplateError(name, at: first.position, "blocks are nested more than \(Self.maxNesting) deep")
            }
            if keyword == "if" {
                stack.append(Frame(kind: .conditional, opened: tag.open, condition: try expression.condition()))
            } else {
                stack.append(Frame(kind: .loop(try expression.loopHeader()), opened: tag.open))
            }
        case "elif", "else":
            try expect(conditional: true, keyword, at: first.position, in: stack)
            guard let condition = stack[top].condition else {
                let what = keyword == "else" ? "a second {% else %}" : "{% elif %} after {% else %}"
                throw TemplateError(name, at: first.position, "\(what) in \(stack[top].opening)")
            }
            let next: TemplateCondition?
            if keyword == "elif" {
                next = try expression.condition()
            } else {
                try expression.end()
                next = nil
            }
            stack[top].branches.append(TemplateBranch(condition: condition, body: stack[top].nodes))
            stack[top].nodes = []
            stack[top].condition = next
        case "endif", "endfor":
            try expect(conditional: keyword == "endif", keyword, at: first.position, in: stack)
            try expression.end()
            let frame = stack.removeLast()
            let node: TemplateNode
            switch frame.kind {
            case .loop(let header):
                node = .loop(header, body: frame.nodes)
            case .conditional, .root:
                if let condition = frame.condition {
                    node = .conditional(frame.branches + [TemplateBranch(condition: condition, body: frame.nodes)], otherwise: [])
                } else {
                    node = .conditional(frame.branches, otherwise: frame.nodes)
                }
            }
            stack[stack.count - 1].nodes.append(node)
        default:
            throw TemplateError(name, at: first.position, "unknown tag \"\(keyword)\" (known: \(Self.tagNames))")
        }
    }

    /// The innermost open block must be a conditional (elif, else, endif) or a loop (endfor).
    private func expect(conditional: Bool, _ keyword: String, at position: TemplatePosition, in stack: [Frame]) throws(TemplateError) {
        let top = stack[stack.count - 1]
        if conditional ? top.isConditional : top.isLoop { return }
        if case .root = top.kind {
            throw TemplateError(name, at: position, "{% \(keyword) %} without an open {% \(conditional ? "if" : "for") %}")
        }
        throw TemplateError(name, at: position, "{% \(keyword) %} found where \(top.closer) should close \(top.opening)")
    }
}
