/// One kind of BMC: reads the power state and performs a step. Implementations block until the
/// BMC has answered (a Redfish task monitor included).
public protocol PowerDriver: Sendable {
    func state() throws(PowerError) -> PowerState
    func perform(_ step: PowerStep) throws(PowerError)
}

/// What an operation did: the state before, the steps sent, and the state the BMC reported
/// afterwards (nil for `status`, which reads once).
public struct PowerOutcome: Equatable, Sendable {
    public let operation: PowerOperation
    public let before: PowerState
    public let steps: [PowerStep]
    public let after: PowerState?

    public init(operation: PowerOperation, before: PowerState, steps: [PowerStep], after: PowerState?) {
        self.operation = operation
        self.before = before
        self.steps = steps
        self.after = after
    }

    /// One line for the machine's events: `cycle: on → cycle → on`.
    public var summary: String {
        var parts = ["\(before)"] + steps.map(\.rawValue)
        if let after { parts.append("\(after)") }
        return "\(operation.rawValue): " + parts.joined(separator: " → ")
    }
}

extension PowerDriver {
    /// Reads the state, performs the plan's steps in order, and reads the state again when
    /// something was sent. The first failing step ends the operation with the BMC's error.
    public func run(_ operation: PowerOperation) throws(PowerError) -> PowerOutcome {
        let before = try state()
        let steps = PowerPlan.steps(for: operation, from: before)
        for step in steps { try perform(step) }
        let after: PowerState? = operation == .status ? nil : steps.isEmpty ? before : try state()
        return PowerOutcome(operation: operation, before: before, steps: steps, after: after)
    }
}
