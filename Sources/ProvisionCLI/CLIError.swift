/// A failure reported as one line on stderr. Usage mistakes exit 2, everything else 1.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public let isUsage: Bool

    public init(_ description: String, usage: Bool = false) {
        self.description = description
        isUsage = usage
    }

    public var exitCode: Int32 { isUsage ? 2 : 1 }
}
