import Testing
@testable import Inventory

/// The lifecycle of DESIGN.md §3, written out independently of `Lifecycle`'s own table.
enum ExpectedLifecycle {
    static let states = ["discovered", "registered", "booting", "installing", "installed", "ready", "failed", "retired"]

    /// event → (from states, to state)
    static let table: [String: (from: [String], to: String)] = [
        "adopt": (["discovered"], "registered"),
        "boot-install": (["registered"], "booting"),
        "fetch-user-data": (["registered", "booting"], "installing"),
        "deployed": (["booting"], "installing"),
        "phone-home": (["installing"], "installed"),
        "hooks-succeeded": (["installed"], "ready"),
        "install-failed": (["booting", "installing"], "failed"),
        "install-timed-out": (["booting", "installing"], "failed"),
        "hooks-failed": (["installed"], "failed"),
        "reimage": (["booting", "installing", "installed", "ready", "failed"], "registered"),
        "retire": (["discovered", "registered", "booting", "installing", "installed", "ready", "failed"], "retired"),
    ]

    /// The state `event` leads to from `state`, or nil if it is refused.
    static func target(of event: LifecycleEvent, from state: MachineState) -> MachineState? {
        guard let rule = table[event.rawValue], rule.from.contains(state.rawValue) else { return nil }
        return MachineState(rawValue: rule.to)
    }
}

@Suite("Lifecycle state machine")
struct LifecycleTests {
    @Test("states and events are exactly the designed ones")
    func vocabulary() {
        #expect(MachineState.allCases.map(\.rawValue) == ExpectedLifecycle.states)
        #expect(Set(LifecycleEvent.allCases.map(\.rawValue)) == Set(ExpectedLifecycle.table.keys))
    }

    @Test("every state × event pair is allowed or refused per the design", arguments: MachineState.allCases, LifecycleEvent.allCases)
    func pair(_ state: MachineState, _ event: LifecycleEvent) throws {
        if let expected = ExpectedLifecycle.target(of: event, from: state) {
            let step = try Lifecycle.transition(from: state, on: event)
            #expect(step.to == expected)
            #expect(step.from == state)
            #expect(step.event == event)
            #expect(step.rotatesInstance == (event == .reimage))
        } else {
            let error = #expect(throws: LifecycleError.self) { try Lifecycle.transition(from: state, on: event) }
            #expect(error?.event == event)
            #expect(error?.state == state)
            let description = error?.description ?? ""
            #expect(description.contains(event.rawValue))
            #expect(description.contains(state.rawValue))
        }
    }

    @Test("sources(of:) lists the allowed states in lifecycle order", arguments: LifecycleEvent.allCases)
    func sources(_ event: LifecycleEvent) {
        let expected = ExpectedLifecycle.states.filter { ExpectedLifecycle.table[event.rawValue]!.from.contains($0) }
        #expect(Lifecycle.sources(of: event).map(\.rawValue) == expected)
    }

    @Test("the refusal message says what is allowed")
    func refusalMessage() {
        let error = LifecycleError(event: .phoneHome, state: .ready)
        #expect(error.description == "cannot phone-home a machine that is ready (allowed from: installing)")
    }

    @Test("only reimage rotates the instance")
    func rotation() throws {
        #expect(try Lifecycle.transition(from: .failed, on: .reimage).rotatesInstance)
        #expect(try Lifecycle.transition(from: .ready, on: .reimage).rotatesInstance)
        #expect(!(try Lifecycle.transition(from: .registered, on: .bootInstall).rotatesInstance))
        #expect(!(try Lifecycle.transition(from: .ready, on: .retire).rotatesInstance))
        #expect(!(try Lifecycle.transition(from: .discovered, on: .adopt).rotatesInstance))
    }

    @Test("reimage and the reports that move an install on spend its install token; nothing else does")
    func tokenRotation() throws {
        for event in LifecycleEvent.allCases {
            for from in Lifecycle.sources(of: event) {
                let step = try Lifecycle.transition(from: from, on: event)
                #expect(step.rotatesInstallToken == [.reimage, .deployed, .phoneHome, .installFailed].contains(event), "\(event) from \(from)")
            }
        }
    }

    /// An installer (or a cloud image's cloud-init) fetches user-data; an image deploy reports
    /// `deployed`, and the written disk's cloud-init then reports from installing.
    @Test("the happy paths reach ready and retired is final", arguments: [LifecycleEvent.fetchUserData, .deployed])
    func happyPath(installing: LifecycleEvent) throws {
        var state = MachineState.registered
        for event in [LifecycleEvent.bootInstall, installing, .phoneHome, .hooksSucceeded] {
            state = try Lifecycle.transition(from: state, on: event).to
        }
        #expect(state == .ready)
        for event in LifecycleEvent.allCases {
            #expect(throws: LifecycleError.self) { try Lifecycle.transition(from: .retired, on: event) }
        }
    }
}
