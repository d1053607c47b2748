import Dispatch
import Foundation
import Server

// provisiond: parse flags and config, run until SIGTERM/SIGINT.
do {
    switch try ConfigLoader.load(arguments: Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(ConfigLoader.usage, terminator: "")
    case .version:
        print("provisiond \(Provisiond.version)")
    case .run(let config):
        let server = try Provisiond(config: config)
        server.start { _ in exit(0) }
        dispatchMain()
    }
} catch {
    FileHandle.standardError.write(Data("provisiond: \(error)\n".utf8))
    exit(2)
}
