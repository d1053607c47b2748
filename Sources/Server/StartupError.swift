/// Why provisiond cannot start: printed as one line, exit status 2.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
