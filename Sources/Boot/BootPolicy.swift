import Model

/// What to do with a machine nobody has registered.
public enum DiscoveryPolicy: String, CaseIterable, Sendable {
    /// Record it and let it boot whatever it would boot without us (DHCP stays silent; an iPXE
    /// script request gets `exit`).
    case ignore
    /// Record it and keep it waiting in iPXE until an operator adopts it, then install.
    case hold
}

/// The boot plane's answer for a machine, decided from its state alone.
public enum BootDecision: Equatable, Sendable {
    /// Serve the install script; apply `event` first when there is one.
    case install(event: LifecycleEvent?)
    /// Boot the local disk, saying why.
    case localDisk(reason: String)
    /// Wait and ask again.
    case hold(reason: String)
}

public enum BootPolicy {
    /// Why the boot plane stays out of this machine's network boot altogether, nil when it takes
    /// part (DESIGN.md §3): unknown and discovered machines only under `hold`, retired ones never.
    /// DHCP gives the machines it takes part in iPXE; their script (`decide`) says what to boot.
    public static func notServed(state: MachineState?, discovery: DiscoveryPolicy) -> String? {
        switch state {
        case nil, .discovered?: discovery == .hold ? nil : "unknown MAC (discovery \(discovery.rawValue))"
        case .retired?: "retired"
        default: nil
        }
    }

    /// Whether a machine that `decide` holds boots the commissioning profile instead of waiting
    /// (MAAS's enlistment): only a discovered machine, and only until it has reported its facts,
    /// so the next power-on after commissioning waits in iPXE for the operator.
    public static func commissions(decision: BootDecision, discovered: Bool, hasFacts: Bool) -> Bool {
        guard case .hold = decision else { return false }
        return discovered && !hasFacts
    }

    /// `state` nil means the MAC is unknown (the caller records it as discovered).
    public static func decide(state: MachineState?, discovery: DiscoveryPolicy) -> BootDecision {
        switch state {
        case nil, .discovered?:
            switch discovery {
            case .ignore: return .localDisk(reason: "not registered")
            case .hold: return .hold(reason: "not registered: waiting for an operator to adopt it")
            }
        case .registered?: return .install(event: .bootInstall)
        // Rebooted before the installer fetched its user-data: the install has not begun.
        case .booting?: return .install(event: nil)
        // The installer reboots into the installed system, which then phones home: never
        // start the install over from the network in the meantime.
        case .installing?: return .localDisk(reason: "install in progress")
        case .installed?, .ready?: return .localDisk(reason: "installed")
        case .failed?: return .localDisk(reason: "the last install failed; reimage to try again")
        case .retired?: return .localDisk(reason: "retired")
        }
    }
}
