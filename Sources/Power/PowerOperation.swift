/// What an operator asks of a machine's power (`provisionctl power OP MAC`).
public enum PowerOperation: String, CaseIterable, Sendable {
    case status, on, off, cycle
    /// Boot from the network once, then power on (when off) or cycle (when on).
    case pxe
}

/// A machine's power as its BMC reports it. Redfish's `PowerState` has the transitional values
/// too (DSP0268 ComputerSystem.PowerState); IPMI and Proxmox report only on and off.
public enum PowerState: Equatable, Sendable, CustomStringConvertible {
    case on, off, poweringOn, poweringOff
    /// Any other value, kept as the BMC wrote it (e.g. Redfish `Paused`).
    case other(String)

    /// Whether the machine counts as running for planning: a machine on its way up is treated as
    /// on (a cycle restarts it), one on its way down as off (it gets an `on`).
    public var isOn: Bool {
        switch self {
        case .on, .poweringOn: true
        case .off, .poweringOff: false
        // A paused VM (Redfish `Paused`, Proxmox `paused`) holds memory: a cycle restarts it.
        case .other(let value): value.lowercased() == "paused"
        }
    }

    public var description: String {
        switch self {
        case .on: "on"
        case .off: "off"
        case .poweringOn: "powering-on"
        case .poweringOff: "powering-off"
        case .other(let value): value
        }
    }
}
