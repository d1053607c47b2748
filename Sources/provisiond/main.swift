import Foundation
import Net
import Server

// provisiond: parse flags and config, run until SIGTERM/SIGINT; SIGHUP reloads the profiles.
// These signals are blocked before any thread exists, so one sent at any moment, even while the
// daemon is still starting, waits for the main thread below instead of being lost.
// Test-only: with PROVISIOND_TEST_STALL=1 in its environment, SIGUSR2 blocks the DHCP loop for
// good, so a test can show systemd's watchdog restarting a stalled daemon (SystemdServiceTests).
let stallSignals = ProcessInfo.processInfo.environment["PROVISIOND_TEST_STALL"] == "1" ? [SIGUSR2] : []
let signals = Provisiond.stopSignals + [SIGHUP] + stallSignals
SignalWatcher.block(signals)
do {
    switch try ConfigLoader.load(arguments: Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(ConfigLoader.usage, terminator: "")
    case .version:
        print("provisiond \(Provisiond.version)")
    case .run(let config):
        let server = try Provisiond(config: config)
        server.start()
        var signal = SignalWatcher.next(of: signals)
        while !Provisiond.stopSignals.contains(signal) {
            if signal == SIGHUP { server.reloadProfiles() } else { server.stallForTesting() }
            signal = SignalWatcher.next(of: signals)
        }
        server.stop(signal: signal)
        exit(0)
    }
} catch {
    FileHandle.standardError.write(Data("provisiond: \(error)\n".utf8))
    exit(2)
}
