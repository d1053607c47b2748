/// Why a facts document was refused: where (`facts.disks[1].size_bytes`) and what is wrong.
public struct HardwareFactsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A JSONPath-like location from the document's root, `facts` itself for the whole.
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
