/// Where a machine is in its life (DESIGN.md §3).
public enum MachineState: String, CaseIterable, Sendable, Codable {
    case discovered, registered, booting, installing, installed, ready, failed, retired
}

/// What happens to a machine. Creation (`register`, `discover`) is not an event of the state
/// machine: it makes the first state.
public enum LifecycleEvent: String, CaseIterable, Sendable {
    /// The operator takes a discovered machine into the inventory.
    case adopt
    /// The boot plane handed out the install script.
    case bootInstall = "boot-install"
    /// The installer (or a cloud image's cloud-init) fetched user-data.
    case fetchUserData = "fetch-user-data"
    /// The deploy environment wrote the profile's image to the disk and verified it (DESIGN.md
    /// §13): the installed system boots next and its own cloud-init reports.
    case deployed
    /// The installed system phoned home with its install token.
    case phoneHome = "phone-home"
    case hooksSucceeded = "hooks-succeeded"
    case installFailed = "install-failed"
    /// No report within the install timeout (DESIGN.md §12): the sweeper gives up on it.
    case installTimedOut = "install-timed-out"
    case hooksFailed = "hooks-failed"
    /// Install again from scratch: new instance-id and install token.
    case reimage
    case retire
}

/// One applied step: the event, the states on either side, and whether the machine gets a fresh
/// instance-id (so cloud-init runs again) or install token (so old tokens stop working).
public struct LifecycleTransition: Equatable, Sendable {
    public let event: LifecycleEvent
    public let from: MachineState
    public let to: MachineState
    public var rotatesInstance: Bool { event == .reimage }
    /// An install token is good for one report (DESIGN.md §11): the report that moves the machine
    /// on spends it, so a copy seen on the wire or in a log cannot report again or fetch the join
    /// token later.
    /// `deployed` spends the token the deploy environment had on its kernel command line: the
    /// installed system gets a fresh one in its user-data.
    public var rotatesInstallToken: Bool { rotatesInstance || event == .phoneHome || event == .installFailed || event == .deployed }
}

public struct LifecycleError: Error, Equatable, Sendable, CustomStringConvertible {
    public let event: LifecycleEvent
    public let state: MachineState

    public init(event: LifecycleEvent, state: MachineState) {
        self.event = event
        self.state = state
    }

    public var description: String {
        let allowed = Lifecycle.sources(of: event).map(\.rawValue).joined(separator: ", ")
        return "cannot \(event.rawValue) a machine that is \(state.rawValue) (allowed from: \(allowed))"
    }
}

/// The lifecycle state machine: a pure table of allowed transitions.
public enum Lifecycle {
    private static let table: [LifecycleEvent: (from: Set<MachineState>, to: MachineState)] = [
        .adopt: ([.discovered], .registered),
        .bootInstall: ([.registered], .booting),
        // A cloud image configured by NoCloud seed fetches user-data without a PXE install.
        .fetchUserData: ([.registered, .booting], .installing),
        // Installing, as if an installer had fetched user-data: the next network boot gets `exit`
        // (the written disk boots) and the install clock keeps running until the report.
        .deployed: ([.booting], .installing),
        .phoneHome: ([.installing], .installed),
        .hooksSucceeded: ([.installed], .ready),
        .installFailed: ([.booting, .installing], .failed),
        .installTimedOut: ([.booting, .installing], .failed),
        .hooksFailed: ([.installed], .failed),
        .reimage: ([.booting, .installing, .installed, .ready, .failed], .registered),
        .retire: (Set(MachineState.allCases).subtracting([.retired]), .retired),
    ]

    public static func transition(from state: MachineState, on event: LifecycleEvent) throws(LifecycleError) -> LifecycleTransition {
        guard let rule = table[event], rule.from.contains(state) else { throw LifecycleError(event: event, state: state) }
        return LifecycleTransition(event: event, from: state, to: rule.to)
    }

    /// States from which `event` is allowed, in lifecycle order.
    public static func sources(of event: LifecycleEvent) -> [MachineState] {
        MachineState.allCases.filter { table[event]?.from.contains($0) ?? false }
    }
}
