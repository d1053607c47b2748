import Foundation
import Glibc
import TestSupport
import Wire

/// A real `provisiond` started on free loopback ports (port 0; the addresses are read from its
/// `listening` log lines), with its stderr collected to EOF.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let dataDir: String
    private(set) var adminURL = ""
    private(set) var httpURL = ""
    private(set) var adminPort: UInt16 = 0
    private(set) var httpPort: UInt16 = 0
    private(set) var tftpPort: UInt16 = 0
    private let stderr = ChildOutput()

    private static func port(_ address: String) -> UInt16 { UInt16(address.split(separator: ":").last ?? "") ?? 0 }

    /// The network namespace the server runs in; nil for the test's own (loopback only).
    let namespace: String?

    /// `metadataTrust`: most suites speak for their machines with curl from the test's own
    /// address, which no machine's network evidence names, so they run with `mac`; the suites
    /// whose machines really boot (and the trust suite) pass `address`, the server's default.
    /// `environment`: the server's whole environment; nil inherits the test's. `descriptorLimit`:
    /// started through `prlimit` with this soft and hard RLIMIT_NOFILE (it cannot raise it).
    init(dataDir: String, extraArguments: [String] = [], namespace: String? = nil, metadataTrust: String = "mac",
         environment: [String: String]? = nil, descriptorLimit: Int? = nil) throws {
        self.dataDir = dataDir
        self.namespace = namespace
        let arguments = ["--data-dir", dataDir, "--admin-listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0",
                         "--tftp-listen", "127.0.0.1:0", "--dhcp-mode", "off", "--metadata-trust", metadataTrust] + extraArguments
        if let namespace {
            // `ip netns exec` execs provisiond in place: the process is provisiond itself.
            process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
            process.arguments = ["netns", "exec", namespace, Binaries.provisiond.path] + arguments
        } else if let descriptorLimit {
            // prlimit sets the limit on itself and execs provisiond: the process is provisiond.
            process.executableURL = URL(fileURLWithPath: try toolPath("prlimit"))
            process.arguments = ["--nofile=\(descriptorLimit):\(descriptorLimit)", Binaries.provisiond.path] + arguments
        } else {
            process.executableURL = Binaries.provisiond
            process.arguments = arguments
        }
        if let environment { process.environment = environment }
        process.standardError = stderr.pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        stderr.startReading()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let admin = address(of: "admin"), let http = address(of: "http"), let tftp = address(of: "tftp") {
                adminURL = "http://\(admin)"
                httpURL = "http://\(http)"
                adminPort = Self.port(admin)
                httpPort = Self.port(http)
                tftpPort = Self.port(tftp)
                return
            }
            if !process.isRunning { break }
            usleep(20_000)
        }
        // What it was doing, for a start that never finished (a silent, empty log says nothing).
        var outcome = "exited"
        if process.isRunning {
            let pid = process.processIdentifier
            let state = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix("State:") }
            let waits = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"))?.compactMap {
                try? String(contentsOfFile: "/proc/\(pid)/task/\($0)/wchan", encoding: .utf8)
            }
            outcome = "silent for 60 s (\(state ?? "State: ?"), threads waiting in \(waits ?? [])), then killed"
            kill(pid, SIGKILL)
        }
        process.waitUntilExit()
        stderr.waitForEOF(seconds: 10)
        throw TestFailure("provisiond did not start: \(outcome) with status \(process.terminationStatus); its log: \(log)")
    }

    /// Its log so far; complete once `stop()` returned.
    var log: String { stderr.text }

    var tokenPath: String { dataDir + "/admin.token" }

    var token: String {
        ((try? String(contentsOfFile: tokenPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func address(of service: String) -> String? {
        for line in log.split(separator: "\n") where line.contains(" listening ") && line.contains("service=\(service) ") {
            if let range = line.range(of: "address=") { return String(line[range.upperBound...].prefix { $0 != " " }) }
        }
        return nil
    }

    /// provisionctl against this server with its token.
    func ctl(_ arguments: [String]) throws -> ProcessResult {
        let ctlArguments = ["--server", adminURL, "--token-file", tokenPath] + arguments
        if let namespace {
            return try runTool("ip", ["netns", "exec", namespace, Binaries.provisionctl.path] + ctlArguments)
        }
        return try runProgram(Binaries.provisionctl, ctlArguments, environment: [:])
    }

    /// curl against the admin API with the token; returns the status code and body.
    func curl(_ method: String, _ path: String, body: String? = nil, token: String? = nil) throws -> (Int, String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, "-H", "Authorization: Bearer \(token ?? self.token)"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = namespace.map { try? runTool("ip", ["netns", "exec", $0, "curl"] + arguments + [adminURL + path]) }
            ?? (try? runTool("curl", arguments + [adminURL + path]))
        guard let result else { throw TestFailure("curl did not run") }
        guard let answer = CurlStatusLine.split(result.stdout) else { throw TestFailure("curl gave no status: \(result.stdout) \(result.stderr)") }
        return answer
    }

    /// Sends a signal, waits for the exit status, then reads its log to EOF: after `stop()` the
    /// log is complete (the exit status is known before the last lines are read from the pipe).
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        stderr.waitForEOF()
        return process.terminationStatus
    }

    /// The barrier before asserting that a change had no (further) effect: polls `/healthz`
    /// until no hook or kubespray work is pending. Everything a request sets off is counted
    /// before the request is answered, so zero afterwards means it has all been done.
    func waitUntilIdle(seconds: Double = 60) throws {
        var last = ""
        try poll("provisiond to finish its background work (last /healthz: \(last))", seconds: seconds, every: 0.05) {
            last = try health()
            guard let pending = (try? JSONParser.parse(last))?["pending"] else { return false }
            return pending["hooks"] == .int(0) && pending["kubespray"] == .int(0)
        }
    }

    /// `/healthz`'s body: over a socket of the test's own (no process per poll), or with curl
    /// inside the server's namespace.
    private func health() throws -> String {
        guard let namespace else {
            let client = try RawHTTPClient(port: adminPort)
            try client.send("GET /healthz HTTP/1.1\r\nHost: provisiond\r\nConnection: close\r\n\r\n")
            return try client.readResponse()?.body ?? ""
        }
        return try runTool("ip", ["netns", "exec", namespace, "curl", "-s", adminURL + "/healthz"]).stdout
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
