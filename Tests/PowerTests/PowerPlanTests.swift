import Power
import Testing

@Suite struct PowerPlanTests {
    @Test(arguments: [
        (PowerOperation.status, PowerState.on, [PowerStep]()),
        (.status, .off, []),
        (.on, .off, [.on]),
        (.on, .on, []),
        (.on, .poweringOff, [.on]),
        (.off, .on, [.off]),
        (.off, .off, []),
        (.off, .poweringOn, [.off]),
        (.cycle, .on, [.cycle]),
        (.cycle, .off, [.on]),
        (.cycle, .other("Paused"), [.cycle]),
        (.pxe, .on, [.bootFromNetworkOnce, .cycle]),
        (.pxe, .off, [.bootFromNetworkOnce, .on]),
    ])
    func steps(operation: PowerOperation, state: PowerState, expected: [PowerStep]) {
        #expect(PowerPlan.steps(for: operation, from: state) == expected)
    }

    @Test func runPerformsThePlanAndReadsTheStateAgain() throws {
        let driver = ScriptedDriver(states: [.off, .on])
        let outcome = try driver.run(.pxe)
        #expect(driver.performed == [.bootFromNetworkOnce, .on])
        #expect(outcome == PowerOutcome(operation: .pxe, before: .off, steps: [.bootFromNetworkOnce, .on], after: .on))
        #expect(outcome.summary == "pxe: off → pxe-once → on → on")
    }

    @Test func statusReadsOnce() throws {
        let driver = ScriptedDriver(states: [.on])
        #expect(try driver.run(.status) == PowerOutcome(operation: .status, before: .on, steps: [], after: nil))
        #expect(driver.reads == 1)
    }

    @Test func nothingToDoReadsOnce() throws {
        let driver = ScriptedDriver(states: [.on])
        #expect(try driver.run(.on).after == .on)
        #expect(driver.reads == 1 && driver.performed.isEmpty)
    }

    @Test func aFailingStepEndsTheOperation() {
        let driver = ScriptedDriver(states: [.on], failure: .bmc(status: 400, message: "boot override refused"))
        #expect(throws: PowerError.bmc(status: 400, message: "boot override refused")) { try driver.run(.pxe) }
        #expect(driver.performed == [.bootFromNetworkOnce])
    }
}

/// A driver answering states from a script and recording the steps it was given.
final class ScriptedDriver: PowerDriver, @unchecked Sendable {
    var states: [PowerState]
    var failure: PowerError?
    var performed: [PowerStep] = []
    var reads = 0

    init(states: [PowerState], failure: PowerError? = nil) {
        self.states = states
        self.failure = failure
    }

    func state() throws(PowerError) -> PowerState {
        reads += 1
        return states.count > 1 ? states.removeFirst() : states[0]
    }

    func perform(_ step: PowerStep) throws(PowerError) {
        performed.append(step)
        if let failure { throw failure }
    }
}
