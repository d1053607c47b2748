/// Why a machine's report was refused: what was wrong with it, precisely enough to fix the
/// sender (the field's path, what it should be, what it was).
public struct InstallReportError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
