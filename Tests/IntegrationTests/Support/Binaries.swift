import Foundation

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
    try process.run()
    // Drain both pipes before waiting, so a chatty child cannot block on a full pipe.
    let collected = CollectedOutput()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { collected.set(out: out.fileHandleForReading.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { collected.set(err: err.fileHandleForReading.readDataToEndOfFile()) }
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, stdout: collected.out, stderr: collected.err)
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

/// Runs a program found on PATH (curl, ...). A missing program fails the test: scripts/test
/// installs every one the tests use.
func runTool(_ name: String, _ arguments: [String]) throws -> ProcessResult {
    let path = ["/usr/bin", "/usr/sbin", "/bin", "/usr/local/bin"].map { "\($0)/\(name)" }
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    guard let path else { throw TestFailure("\(name) is not installed: run scripts/test, which installs it") }
    return try runProgram(URL(fileURLWithPath: path), arguments)
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A fresh directory under the temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("provisiond-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
