import Foundation
import Glibc
import TestSupport

/// `router_advertiser.py` running in a lab's namespace on the interface the machines' NICs
/// reach: it answers IPv6 router solicitations with an advertisement that offers nothing, as a
/// real network's router answers at once. Without it iPXE's `autoboot` waits ~15 s at every boot
/// for its IPv6 configurator to give up (seen in both labs: DHCP ACK, then 15 s of solicitations
/// before iPXE's first HTTP request). The interface should not do duplicate address detection,
/// so its link-local address (the advertisements' source) is usable at once.
final class RouterAdvertiser: @unchecked Sendable {
    private let process: Process

    init(namespace: String, interface: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("router_advertiser.py").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        process.arguments = ["netns", "exec", namespace, "python3", script, interface]
        let output = ChildOutput()
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        output.startReading()
        try poll("the router advertiser to listen: \(output.text)") { output.text.contains("ready") || !process.isRunning }
        guard process.isRunning else { throw TestFailure("router_advertiser.py on \(interface) exited: \(output.text)") }
    }

    /// Kills and reaps it.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? process.reap(seconds: 10)
    }
}
