extension PowerOperation {
    /// Whether the machine ends on (true), off (false), or as it was (nil: `status`).
    public var target: Bool? {
        switch self {
        case .status: nil
        case .off: false
        case .on, .cycle, .pxe: true
        }
    }

    /// The event recorded on the machine's timeline: `power-on`, `power-pxe`, ...
    public var eventName: String { "power-\(rawValue)" }
}
