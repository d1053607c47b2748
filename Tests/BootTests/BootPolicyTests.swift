import Boot
import Model
import Testing

@Suite("Boot policy: the script each state gets") struct BootPolicyTests {
    @Test(arguments: [
        (MachineState?.none, DiscoveryPolicy.ignore, BootDecision.localDisk(reason: "not registered")),
        (nil, .hold, .hold(reason: "not registered: waiting for an operator to adopt it")),
        (.discovered, .ignore, .localDisk(reason: "not registered")),
        (.discovered, .hold, .hold(reason: "not registered: waiting for an operator to adopt it")),
        (.registered, .ignore, .install(event: .bootInstall)),
        (.registered, .hold, .install(event: .bootInstall)),
        (.booting, .ignore, .install(event: nil)),
        (.installing, .ignore, .localDisk(reason: "install in progress")),
        (.installed, .ignore, .localDisk(reason: "installed")),
        (.ready, .hold, .localDisk(reason: "installed")),
        (.failed, .ignore, .localDisk(reason: "the last install failed; reimage to try again")),
        (.retired, .hold, .localDisk(reason: "retired")),
    ])
    func decides(state: MachineState?, discovery: DiscoveryPolicy, expected: BootDecision) {
        #expect(BootPolicy.decide(state: state, discovery: discovery) == expected)
    }

    @Test func everyStateIsDecidedUnderEveryPolicy() {
        for state in MachineState.allCases {
            for policy in DiscoveryPolicy.allCases {
                let decision = BootPolicy.decide(state: state, discovery: policy)
                // Only registered and booting machines ever install.
                if case .install = decision { #expect(state == .registered || state == .booting) }
            }
        }
    }
}

/// Commission-only (issue 14): held, discovered machines boot the commissioning profile once.
@Suite struct CommissionPolicyTests {
    /// decision, discovered, has facts → commissions
    static let table: [(BootDecision, Bool, Bool, Bool)] = [
        (.hold(reason: "not registered"), true, false, true),
        (.hold(reason: "not registered"), true, true, false),
        (.hold(reason: "not registered"), false, false, false),
        (.localDisk(reason: "not registered"), true, false, false),
        (.install(event: .bootInstall), true, false, false),
    ]

    @Test(arguments: table.indices)
    func decides(_ index: Int) {
        let (decision, discovered, hasFacts, expected) = Self.table[index]
        #expect(BootPolicy.commissions(decision: decision, discovered: discovered, hasFacts: hasFacts) == expected)
    }

    @Test func onlyUnknownOrDiscoveredMachinesUnderHoldAreHeld() {
        let held = MachineState.allCases.filter { if case .hold = BootPolicy.decide(state: $0, discovery: .hold) { true } else { false } }
        #expect(held == [.discovered])
    }
}
