import Foundation
import Glibc
import TestSupport

/// Where the built `provisiond` and `provisionctl` are: `$PROVISIOND_BIN_DIR` (set by
/// scripts/test from `swift build --show-bin-path`), else the first folder above this test
/// bundle that holds them.
enum Binaries {
    static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["PROVISIOND_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var url = Bundle.main.bundleURL
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("provisiond").path) { return url }
            url.deleteLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }()

    static var provisiond: URL { directory.appendingPathComponent("provisiond") }
    static var provisionctl: URL { directory.appendingPathComponent("provisionctl") }
}

/// A finished child process.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion and captures its output.
func runProgram(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                directory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.runWithSignalsUnblocked()
    // Drain both pipes before waiting, so a chatty child cannot block on a full pipe.
    let collected = CollectedOutput()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { collected.set(out: out.fileHandleForReading.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { collected.set(err: err.fileHandleForReading.readDataToEndOfFile()) }
    group.wait()
    return ProcessResult(status: try process.reap(), stdout: collected.out, stderr: collected.err)
}

private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var outData = Data()
    private var errData = Data()
    func set(out: Data) { lock.withLock { outData = out } }
    func set(err: Data) { lock.withLock { errData = err } }
    var out: String { lock.withLock { String(decoding: outData, as: UTF8.self) } }
    var err: String { lock.withLock { String(decoding: errData, as: UTF8.self) } }
}

extension Process {
    /// Waits for the exit status. Foundation reaps children when it sees SIGCHLD, and it can miss
    /// one whose exit coincides with a daemonizing grandchild (dhclient): so after a grace period
    /// reap it ourselves. Foundation releases a finished child's pipes only in `waitUntilExit`
    /// (polling `isRunning` alone leaks two descriptors a child, measured), and never for one
    /// reaped behind its back: a run leaked over a thousand, and once descriptors pass 1024
    /// Foundation's select()-based watcher misses exits and `waitUntilExit` hangs (seen in
    /// .ci/run). Gives up (and kills it) after `seconds`.
    func reap(seconds: Double = 300) throws -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        let ownReapAfter = Date().addingTimeInterval(3)
        while Date() < deadline {
            if !isRunning {
                waitUntilExit()  // returns at once; releases the child's pipes
                return terminationStatus
            }
            var status: Int32 = 0
            if Date() > ownReapAfter, waitpid(processIdentifier, &status, WNOHANG) == processIdentifier {
                // WIFEXITED / WEXITSTATUS and WTERMSIG, which are macros Swift cannot import.
                return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
            }
            usleep(5_000)
        }
        kill(processIdentifier, SIGKILL)
        throw TestFailure("\(executableURL?.lastPathComponent ?? "child") \(arguments ?? []) did not exit within \(Int(seconds)) s")
    }

    /// Starts the process with no signal blocked. The test runner's threads block most signals
    /// and a blocked mask survives fork and exec: a child would never see the SIGTERM or SIGUSR1
    /// a test sends it, and `timeout` would wait forever for its SIGCHLD.
    func runWithSignalsUnblocked() throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try run()
    }
}

/// Runs a program found on PATH (curl, ...). A missing program fails the test: scripts/test
/// installs every one the tests use.
func runTool(_ name: String, _ arguments: [String]) throws -> ProcessResult {
    try runProgram(URL(fileURLWithPath: try toolPath(name)), arguments)
}

func toolPath(_ name: String) throws -> String {
    let path = ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"].map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else { throw TestFailure("\(name) is not installed: run scripts/test, which installs it") }
    return path
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

