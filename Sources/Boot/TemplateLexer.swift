/// Cuts a template's source into text, `{{ }}` substitutions, `{% %}` block tags and `{# #}`
/// comments, and the inside of each tag into words (names, string literals, symbols), each with
/// its position. Everything outside tags is text, including a lone `}}`; a literal `{{` is
/// written `{{ "{{" }}`.
struct TemplateLexer {
    private let name: String
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var position = TemplatePosition.start
    private var tokens: [TemplateToken] = []
    private var text = String.UnicodeScalarView()

    init(name: String, source: String) {
        self.name = name
        self.scalars = Array(source.unicodeScalars)
    }

    mutating func tokenize() throws(TemplateError) -> [TemplateToken] {
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "{", let next = peek(1), next == "{" || next == "%" || next == "#" {
                flushText()
                let open = position
                advance()
                advance()
                switch next {
                case "#":
                    try skipComment(open: open)
                    tokens.append(.comment)
                case "{": tokens.append(.output(try tag(open: open, kind: .output)))
                default: tokens.append(.block(try tag(open: open, kind: .block)))
                }
                continue
            }
            text.append(scalar)
            advance()
        }
        flushText()
        return tokens
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        if scalars[index] == "\n" {
            position = TemplatePosition(line: position.line + 1, column: 1)
        } else {
            position.column += 1
        }
        index += 1
    }

    private mutating func flushText() {
        if !text.isEmpty { tokens.append(.text(String(text))) }
        text = String.UnicodeScalarView()
    }

    private func error(at position: TemplatePosition, _ message: String) -> TemplateError {
        TemplateError(name, at: position, message)
    }

    private mutating func skipComment(open: TemplatePosition) throws(TemplateError) {
        while index < scalars.count {
            if scalars[index] == "#", peek(1) == "}" {
                advance()
                advance()
                return
            }
            advance()
        }
        throw error(at: open, "{# is not closed: expected #} before the end of the template")
    }

    /// The words of a tag whose opener has been consumed, up to and including its closer.
    private mutating func tag(open: TemplatePosition, kind: TemplateTag.Kind) throws(TemplateError) -> TemplateTag {
        var words: [TemplateWord] = []
        while true {
            guard index < scalars.count else {
                throw error(at: open, "\(kind.opener) is not closed: expected \(kind.closer) before the end of the template")
            }
            let scalar = scalars[index]
            let at = position
            switch scalar {
            case " ", "\t", "\n", "\r":
                advance()
            case "}" where peek(1) == "}", "%" where peek(1) == "}":
                guard scalar == kind.closerLead else {
                    throw error(at: at, "the \(kind.opener) at \(open) must be closed with \(kind.closer), not \(scalar)}")
                }
                advance()
                advance()
                return TemplateTag(kind: kind, words: words, open: open, close: at)
            case "\"", "'":
                words.append(try stringLiteral(quote: scalar))
            case "=" where peek(1) == "=", "!" where peek(1) == "=":
                advance()
                advance()
                words.append(TemplateWord(kind: .symbol("\(scalar)="), position: at))
            case ".", "|", "(", ")", ",":
                advance()
                words.append(TemplateWord(kind: .symbol(String(scalar)), position: at))
            case "{":
                throw error(at: at, "unexpected \"{\" inside the \(kind.opener) at \(open): tags do not nest")
            default:
                guard Self.isNameStart(scalar) else {
                    let shown = TemplateEscaping.quoteJSON(String(scalar))
                    let hint = scalar == "=" ? " (comparisons are == and !=)" : ""
                    throw error(at: at, "unexpected character \(shown) (U+\(TemplateEscaping.hex(scalar.value, digits: 4))) in the \(kind.opener) at \(open)\(hint)")
                }
                var name = String.UnicodeScalarView()
                while index < scalars.count, Self.isNamePart(scalars[index]) {
                    name.append(scalars[index])
                    advance()
                }
                words.append(TemplateWord(kind: .name(String(name)), position: at))
            }
        }
    }

    /// A "..." or '...' literal on one line; escapes \\ \" \' \n \t.
    private mutating func stringLiteral(quote: Unicode.Scalar) throws(TemplateError) -> TemplateWord {
        let start = position
        advance()
        var value = String.UnicodeScalarView()
        while index < scalars.count, scalars[index] != "\n" {
            let scalar = scalars[index]
            let at = position
            advance()
            if scalar == quote { return TemplateWord(kind: .string(String(value)), position: start) }
            guard scalar == "\\" else {
                value.append(scalar)
                continue
            }
            guard index < scalars.count else { break }
            switch scalars[index] {
            case "\\", "\"", "'": value.append(scalars[index])
            case "n": value.append("\n")
            case "t": value.append("\t")
            default:
                let shown = TemplateEscaping.quoteJSON("\\" + String(scalars[index]))
                throw error(at: at, "unknown escape \(shown) in a string literal (known: \\\\ \\\" \\' \\n \\t)")
            }
            advance()
        }
        throw error(at: start, "string literal is not closed before the end of its line")
    }

    private static func isNameStart(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
    }

    private static func isNamePart(_ scalar: Unicode.Scalar) -> Bool {
        isNameStart(scalar) || ("0"..."9").contains(scalar)
    }
}

/// One piece of a template's source.
enum TemplateToken: Sendable {
    case text(String)
    /// `{{ ... }}`
    case output(TemplateTag)
    /// `{% ... %}`
    case block(TemplateTag)
    /// `{# ... #}`: kept until whitespace control has seen it, then dropped.
    case comment

    /// Block tags and comments: the tags whose lines whitespace control removes.
    var isLineTag: Bool {
        switch self {
        case .block, .comment: true
        case .text, .output: false
        }
    }
}

/// A `{{ }}` or `{% %}` tag: its words, where it opens and where its closer starts.
struct TemplateTag: Sendable {
    enum Kind: Sendable {
        case output, block

        var opener: String { self == .output ? "{{" : "{%" }
        var closer: String { self == .output ? "}}" : "%}" }
        var closerLead: Unicode.Scalar { self == .output ? "}" : "%" }
    }

    let kind: Kind
    let words: [TemplateWord]
    let open: TemplatePosition
    let close: TemplatePosition
}

/// A word inside a tag.
struct TemplateWord: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        case name(String)
        case string(String)
        case symbol(String)
    }

    let kind: Kind
    let position: TemplatePosition

    /// How an error message shows a word, or the end of the tag for nil.
    static func describe(_ word: TemplateWord?, in tag: TemplateTag) -> String {
        guard let word else { return tag.kind.closer }
        switch word.kind {
        case .name(let name): return "\"\(name)\""
        case .string(let value): return "the string \(TemplateEscaping.quoteJSON(value))"
        case .symbol(let symbol): return "\"\(symbol)\""
        }
    }
}
