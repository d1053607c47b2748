import Foundation
import Glibc
import Power
import Proxmox
import TestSupport

/// sushy-tools' Redfish emulator (PyPI `sushy-tools`, OpenStack's Redfish test BMC) on a free port
/// of 127.0.0.1 with its fake systems driver: one system, off at the start, served over HTTPS with
/// the test CA's certificate and HTTP basic authentication from a bcrypt htpasswd file. The fake
/// driver applies a power change 1 to 11 s after the request ("hardware actions are not
/// immediate", fakedriver.py), so tests poll the state. It must be installed: scripts/test puts it
/// in `.venv` (or `$PROVISIOND_VENV`); without it the test fails.
final class SushyEmulator: @unchecked Sendable {
    static let user = "admin"
    static let password = "redfish-secret"
    static let systemID = "27946b59-9e44-4fa7-8e91-f3527a1ef094"

    let process = Process()
    let port: UInt16
    let pki: TestPKI
    /// The network namespace it runs in; nil: the test's own.
    let namespace: String?
    private let output = ChildOutput()

    var url: String { "https://127.0.0.1:\(port)" }
    var systemURL: String { url + "/redfish/v1/Systems/" + Self.systemID }

    /// `notifyURL`: the fake driver PUTs the system's JSON there on every change
    /// (`external_notifier`), which is how a rig makes the system a real QEMU machine.
    init(directory: String, namespace: String? = nil, notifyURL: String? = nil) throws {
        self.namespace = namespace
        let emulator = try Venv.tool("sushy-emulator").path
        let python = try Venv.tool("python").path
        pki = try TestPKI(in: directory + "/pki")
        let htpasswd = directory + "/htpasswd"
        let hashed = try runProgram(URL(fileURLWithPath: python), [
            "-c", "import bcrypt, sys; print(sys.argv[1] + ':' + bcrypt.hashpw(sys.argv[2].encode(), bcrypt.gensalt(rounds=4)).decode())",
            Self.user, Self.password,
        ])
        guard hashed.status == 0 else { throw TestFailure("cannot hash the emulator's password: \(hashed.stderr)") }
        try hashed.stdout.write(toFile: htpasswd, atomically: true, encoding: .utf8)
        let config = directory + "/sushy.conf"
        try """
            SUSHY_EMULATOR_AUTH_FILE = '\(htpasswd)'
            SUSHY_EMULATOR_STATE_DIR = '\(directory)/state'
            SUSHY_EMULATOR_FAKE_SYSTEMS = [{'uuid': '\(Self.systemID)', 'name': 'node1', 'power_state': 'Off',
                                            'external_notifier': \(notifyURL == nil ? "False" : "True"),
                                            'nics': [{'mac': '52:54:00:00:15:01', 'ip': '127.0.0.1'}]}]
            EXTERNAL_NOTIFICATION_URL = '\(notifyURL ?? "")'
            """.write(toFile: config, atomically: true, encoding: .utf8)
        port = try FakePVE.freePort()
        let arguments = ["--config", config, "--fake", "--interface", "127.0.0.1", "--port", String(port),
                         "--ssl-certificate", pki.certFile, "--ssl-key", pki.keyFile]
        if let namespace {
            process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
            process.arguments = ["netns", "exec", namespace, emulator] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: emulator)
            process.arguments = arguments
        }
        process.environment = ["PATH": "/usr/bin:/bin"]
        try output.start(process)
        // /redfish/v1 answers without credentials (the middleware's excluded paths).
        try poll("sushy-emulator to answer on \(url)", seconds: 60, every: 0.1) {
            guard process.isRunning else { throw TestFailure("sushy-emulator exited: \(output.text)") }
            return try curl(["-s", "-o", "/dev/null", "--cacert", pki.caFile, url + "/redfish/v1"]).status == 0
        }
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? process.reap(seconds: 10)
    }

    /// The system's current boot override target, read with curl (not the client under test).
    func bootOverrideTarget() throws -> String {
        let result = try curl(["-s", "--cacert", pki.caFile, "-u", "\(Self.user):\(Self.password)", systemURL])
        guard let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let boot = json["Boot"] as? [String: Any], let target = boot["BootSourceOverrideTarget"] as? String
        else { throw TestFailure("no boot override in \(result.stdout)") }
        return target
    }

    /// A reset sent to the emulator by the test, as someone at the BMC's web page would.
    func reset(_ type: String) throws {
        let result = try curl(["-s", "-f", "--cacert", pki.caFile, "-u", "\(Self.user):\(Self.password)", "-H", "Content-Type: application/json",
                               "-d", "{\"ResetType\": \"\(type)\"}", systemURL + "/Actions/ComputerSystem.Reset"])
        guard result.status == 0 else { throw TestFailure("reset \(type) refused: \(result.stdout) \(result.stderr)") }
    }

    /// curl where the emulator runs.
    private func curl(_ arguments: [String]) throws -> ProcessResult {
        guard let namespace else { return try runTool("curl", arguments) }
        return try runTool("ip", ["netns", "exec", namespace, "curl"] + arguments)
    }

    var log: String { output.text }
}
