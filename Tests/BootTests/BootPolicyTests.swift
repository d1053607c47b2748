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
