/// An IPMI BMC as a power driver: each read or step is one `ipmitool` run. The runner is given
/// by the caller (the server's ProcessRunner, with its time limit), so this stays free of
/// process handling.
public struct IPMIToolDriver: PowerDriver {
    /// How one ipmitool run ended: its exit status and its stdout and stderr together.
    public struct Run: Sendable {
        public let exitStatus: Int32
        public let output: String

        public init(exitStatus: Int32, output: String) {
            self.exitStatus = exitStatus
            self.output = output
        }
    }

    public let command: IPMIToolCommand
    let ipmitool: @Sendable ([String]) throws(PowerError) -> Run

    public init(command: IPMIToolCommand, ipmitool: @escaping @Sendable ([String]) throws(PowerError) -> Run) {
        self.command = command
        self.ipmitool = ipmitool
    }

    public func state() throws(PowerError) -> PowerState {
        try IPMIToolCommand.parseStatus(try succeeded(command.status))
    }

    public func perform(_ step: PowerStep) throws(PowerError) {
        _ = try succeeded(command.arguments(for: step))
    }

    func succeeded(_ arguments: [String]) throws(PowerError) -> String {
        let run = try ipmitool(arguments)
        guard run.exitStatus == 0 else { throw IPMIToolCommand.failure(exitStatus: run.exitStatus, output: run.output) }
        return run.output
    }
}
