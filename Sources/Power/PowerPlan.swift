/// One action a driver performs on a BMC.
public enum PowerStep: String, Equatable, Sendable {
    case on, off, cycle
    /// Set the next boot (once) to the network.
    case bootFromNetworkOnce = "pxe-once"
}

/// Turns an operation and the power state read first into the steps that achieve it, so every
/// driver behaves alike. Steps that would change nothing are left out (an `on` of a running
/// machine), and a `cycle` of a machine that is off is an `on`: IPMI BMCs refuse `chassis power
/// cycle` when the chassis is off (IPMI v2.0 §28.3: "power cycle ... no effect if off"), and
/// Redfish BMCs differ in what `ForceRestart` does to a machine that is off.
public enum PowerPlan {
    public static func steps(for operation: PowerOperation, from state: PowerState) -> [PowerStep] {
        switch operation {
        case .status: []
        case .on: state.isOn ? [] : [.on]
        case .off: state == .off ? [] : [.off]
        case .cycle: state.isOn ? [.cycle] : [.on]
        case .pxe: [.bootFromNetworkOnce] + steps(for: .cycle, from: state)
        }
    }
}
