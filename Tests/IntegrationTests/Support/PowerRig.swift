import Foundation
import Glibc
import TestSupport

/// `power_rig.py` in a network boot lab's namespace: it receives sushy-emulator's power change
/// notifications and starts, stops and resets a QEMU machine accordingly, so provisiond's Redfish
/// operations switch a real machine. The test never starts QEMU itself; it reads the rig's
/// lines and the serial logs it leaves in `directory` (`serial-N.log` for power-on N).
final class PowerRig: @unchecked Sendable {
    /// Where the emulator notifies (inside the lab's namespace).
    static let port = 18_700
    static var notifyURL: String { "http://127.0.0.1:\(port)/" }

    let process = Process()
    let directory: String
    private let output = ChildOutput()

    /// `machine`: its QEMU arguments come from here, network first and disk first, with no
    /// isa-debug-exit (the local disk halts: an installed system that stays on).
    init(lab: NetworkBootLab, machine: NetworkBootVM, emulator: SushyEmulator, directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        machine.exitsOnLocalDisk = false
        machine.networkFirst = true
        let networkFirst = machine.arguments
        machine.networkFirst = false
        let diskFirst = machine.arguments
        let config: [String: Any] = [
            "port": Self.port, "qemu": try toolPath("qemu-system-x86_64"), "network_first": networkFirst, "disk_first": diskFirst,
            "serial_dir": directory,
            "bmc": ["system_url": emulator.systemURL, "user": SushyEmulator.user, "password": SushyEmulator.password, "ca_file": emulator.pki.caFile],
        ]
        let configPath = directory + "/rig.json"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("power_rig.py").path
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        process.arguments = ["netns", "exec", lab.namespace, "python3", script, configPath]
        try output.start(process)
        try poll("the power rig to listen: \(output.text)") {
            guard process.isRunning else { throw TestFailure("power_rig.py exited: \(output.text)") }
            return output.text.contains("ready")
        }
    }

    deinit { stop() }

    /// Stops the rig, which kills its QEMU.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if (try? process.reap(seconds: 10)) == nil { kill(process.processIdentifier, SIGKILL) }
    }

    /// What it did so far, one action a line.
    var lines: [String] { output.text.split(separator: "\n").map(String.init) }

    func serial(_ boot: Int) -> String {
        guard let data = FileManager.default.contents(atPath: "\(directory)/serial-\(boot).log") else { return "" }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }
}
