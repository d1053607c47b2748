/// Every failure of a power operation, worded with what the BMC (or the tool) said so that an
/// operator can act on it.
public enum PowerError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The BMC answered and refused: HTTP status (nil for IPMI) and its own message.
    case bmc(status: Int?, message: String)
    /// No answer: connection refused, timeout, no route, or a session that could not be set up.
    case unreachable(String)
    /// The BMC's TLS certificate is not the one the settings trust.
    case untrusted(String)
    /// The BMC does not offer what the operation needs (e.g. no reset type for `cycle`).
    case unsupported(String)
    /// An answer that is not what the protocol promises.
    case malformed(String)
    /// A value refused before anything was sent.
    case invalid(String)

    public var description: String {
        switch self {
        case .bmc(let status, let message): status.map { "the BMC answered \($0): \(message)" } ?? "the BMC refused: \(message)"
        case .unreachable(let message): "cannot reach the BMC: \(message)"
        case .untrusted(let message): message
        case .unsupported(let message): message
        case .malformed(let message): "unexpected answer from the BMC: \(message)"
        case .invalid(let message): message
        }
    }
}
