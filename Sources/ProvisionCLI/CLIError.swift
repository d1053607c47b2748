/// A failure reported as one line on stderr. Usage mistakes exit 2, everything else 1.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public let isUsage: Bool
    /// What the command still prints on stdout when it fails (doctor's report).
    public let stdout: String

    public init(_ description: String, usage: Bool = false, stdout: String = "") {
        self.description = description
        isUsage = usage
        self.stdout = stdout
    }

    public var exitCode: Int32 { isUsage ? 2 : 1 }
}
