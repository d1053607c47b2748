/// Whitespace control. A line that holds only block tags and comments (with spaces or tabs
/// around them) leaves nothing in the output: neither its indentation nor its line break. So
/// `{% for %}` and `{% if %}` lines can sit at any indentation without bending the YAML around
/// them. This is Jinja's `trim_blocks` + `lstrip_blocks`, applied to whole lines only; `{{ }}`
/// never trims.
enum TemplateLineTrimmer {
    static func trim(_ tokens: [TemplateToken]) -> [TemplateToken] {
        var result = tokens
        var index = 0
        while index < tokens.count {
            guard tokens[index].isLineTag else {
                index += 1
                continue
            }
            // The run: line tags separated by nothing or by blank text.
            var last = index
            var between: [Int] = []
            while true {
                if last + 1 < tokens.count, tokens[last + 1].isLineTag {
                    last += 1
                } else if last + 2 < tokens.count, case .text(let gap) = tokens[last + 1], isBlank(gap[...]), tokens[last + 2].isLineTag {
                    between.append(last + 1)
                    last += 2
                } else {
                    break
                }
            }
            // Decided on the original tokens; `result` only ever loses line-local blanks.
            if startsLine(before: index, in: tokens), endsLine(after: last, in: tokens) {
                if index > 0, case .text(let before) = result[index - 1] { result[index - 1] = .text(droppingTrailingBlanks(before)) }
                for gap in between { result[gap] = .text("") }
                if last + 1 < tokens.count, case .text(let after) = result[last + 1] { result[last + 1] = .text(droppingLeadingLine(after)) }
            }
            index = last + 1
        }
        return result
    }

    private static func isBlank(_ text: Substring.UnicodeScalarView) -> Bool {
        text.allSatisfy { $0 == " " || $0 == "\t" }
    }

    private static func isBlank(_ text: Substring) -> Bool { isBlank(text.unicodeScalars) }

    /// Whether only blanks stand between the start of a line and the token at `index`.
    private static func startsLine(before index: Int, in tokens: [TemplateToken]) -> Bool {
        guard index > 0 else { return true }
        guard case .text(let text) = tokens[index - 1] else { return false }
        let scalars = text.unicodeScalars
        if let newline = scalars.lastIndex(of: "\n") {
            return isBlank(scalars[scalars.index(after: newline)...])
        }
        // No line break: the text must be the template's blank first line. (A line tag before it
        // would have joined the run.)
        return index - 1 == 0 && isBlank(text[...])
    }

    /// Whether only blanks stand between the token at `index` and the end of its line.
    private static func endsLine(after index: Int, in tokens: [TemplateToken]) -> Bool {
        guard index + 1 < tokens.count else { return true }
        guard case .text(let text) = tokens[index + 1] else { return false }
        let rest = text.unicodeScalars.drop { $0 == " " || $0 == "\t" }
        guard let first = rest.first else { return index + 2 == tokens.count }
        return first == "\n" || (first == "\r" && rest.dropFirst().first == "\n")
    }

    private static func droppingTrailingBlanks(_ text: String) -> String {
        var scalars = text.unicodeScalars
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    private static func droppingLeadingLine(_ text: String) -> String {
        var rest = text.unicodeScalars.drop { $0 == " " || $0 == "\t" }
        if rest.first == "\r", rest.dropFirst().first == "\n" { rest = rest.dropFirst(2) } else if rest.first == "\n" { rest = rest.dropFirst() }
        return String(Substring(rest))
    }
}
