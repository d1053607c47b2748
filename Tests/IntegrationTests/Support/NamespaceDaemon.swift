import Foundation
import Glibc

/// A third-party server (prometheus, dnsmasq) run in the foreground inside a test network
/// namespace, its output collected to EOF; stopped with SIGTERM.
final class NamespaceDaemon: @unchecked Sendable {
    let name: String
    private let process = Process()
    private let output = ChildOutput()

    init(_ program: String, _ arguments: [String], namespace: String) throws {
        name = program
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        // `ip netns exec` execs the program in place: signals reach it directly.
        process.arguments = ["netns", "exec", namespace, try toolPath(program)] + arguments
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        output.startReading()
    }

    var isRunning: Bool { process.isRunning }

    /// Its output so far; complete after `stop()`.
    var log: String { output.text }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        output.waitForEOF()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
