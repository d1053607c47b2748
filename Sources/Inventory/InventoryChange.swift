/// A committed change to a machine, told to the inventory's observers (hooks, kubespray) after
/// the transaction that made it.
public struct InventoryChange: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Registered by an operator, or discovered on the network.
        case created
        /// Fields changed (not the state).
        case updated
        /// A lifecycle transition.
        case transitioned
        case deleted
    }

    public let kind: Kind
    /// The event's name as the timeline records it: `register`, `discover`, `update`, `delete`, or
    /// the lifecycle event (`phone-home`, `retire`, ...).
    public let event: String
    /// The machine after the change (for `deleted`: as it was).
    public let machine: Machine
    /// The machine before an update or a transition.
    public let previous: Machine?
    public let source: String
    public let detail: String

    public init(kind: Kind, event: String, machine: Machine, previous: Machine?, source: String, detail: String) {
        self.kind = kind
        self.event = event
        self.machine = machine
        self.previous = previous
        self.source = source
        self.detail = detail
    }

    /// The clusters the change touches: the machine's, and the one it left.
    public var clusters: Set<String> {
        Set([machine.cluster, previous?.cluster].compactMap { $0 })
    }
}
