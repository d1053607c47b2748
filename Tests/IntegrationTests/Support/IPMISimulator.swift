import Foundation
import Glibc
import Power
import TestSupport

/// pyghmi's BMC server class (PyPI pyghmi) as an IPMI v2.0 BMC on a free UDP port of 127.0.0.1
/// (ipmi_bmc.py): one user, the chassis off at the start, one line of output per change it was
/// asked for. It must be installed: scripts/test puts it in `.venv` (or `$PROVISIOND_VENV`).
final class IPMISimulator: @unchecked Sendable {
    static let user = "admin"
    static let password = "ipmi-secret"

    let process = Process()
    private(set) var port = 0
    private let output = ChildOutput()

    init() throws {
        let python = try Venv.tool("python").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("ipmi_bmc.py").path
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, Self.user, Self.password]
        process.environment = ["PATH": "/usr/bin:/bin"]
        try output.start(process)
        try poll("the IPMI simulator to listen", every: 0.05) {
            guard process.isRunning else { throw TestFailure("ipmi_bmc.py exited: \(output.text)") }
            guard let line = output.text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) else { return false }
            port = Int(line.dropFirst("listening ".count)) ?? 0
            return true
        }
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? process.reap(seconds: 10)
    }

    /// The changes the BMC was asked for, in order (`power on`, `bootdev net efi=1 persistent=0`).
    var changes: [String] {
        output.text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("listening ") }
    }

    /// A driver over the real ipmitool with the password in a file.
    static func driver(port: Int, passwordFile: String) throws -> IPMIToolDriver {
        let ipmitool = URL(fileURLWithPath: try toolPath("ipmitool"))
        let command = try IPMIToolCommand(host: "127.0.0.1", port: port, user: user, passwordFile: passwordFile)
        return IPMIToolDriver(command: command) { arguments throws(PowerError) in
            do {
                let result = try runProgram(ipmitool, arguments)
                return .init(exitStatus: result.status, output: result.stdout + result.stderr)
            } catch {
                throw .unreachable("cannot run ipmitool: \(error)")
            }
        }
    }
}
