import Foundation
import Net
import Server

// provisiond: parse flags and config, run until SIGTERM/SIGINT.
// The stop signals are blocked before any thread exists, so one sent at any moment, even while
// the daemon is still starting, waits for the main thread below instead of being lost.
SignalWatcher.block(Provisiond.stopSignals)
do {
    switch try ConfigLoader.load(arguments: Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(ConfigLoader.usage, terminator: "")
    case .version:
        print("provisiond \(Provisiond.version)")
    case .run(let config):
        let server = try Provisiond(config: config)
        server.start()
        server.stop(signal: SignalWatcher.next(of: Provisiond.stopSignals))
        exit(0)
    }
} catch {
    FileHandle.standardError.write(Data("provisiond: \(error)\n".utf8))
    exit(2)
}
