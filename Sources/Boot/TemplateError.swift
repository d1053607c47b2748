/// Why a template could not be parsed or rendered: the template's name, the 1-based line and
/// column (columns count Unicode scalars) and what is wrong there. Messages are one line, and
/// never quote a substituted value (values may be secrets, such as install tokens).
public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public let template: String
    public let line: Int
    public let column: Int
    public let message: String

    public init(template: String, line: Int, column: Int, message: String) {
        self.template = template
        self.line = line
        self.column = column
        self.message = message
    }

    init(_ template: String, at position: TemplatePosition, _ message: String) {
        self.init(template: template, line: position.line, column: position.column, message: message)
    }

    /// `template user-data.yaml line 3 column 7: unknown variable "hostnme"`.
    public var description: String { "template \(template) line \(line) column \(column): \(message)" }
}

/// A place in a template's source: 1-based line and column (in Unicode scalars).
struct TemplatePosition: Equatable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int

    static let start = TemplatePosition(line: 1, column: 1)

    var description: String { "line \(line) column \(column)" }
}
