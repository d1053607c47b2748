import Foundation
import Wire

/// provisionctl: the operator's command line over the admin API. `run` does the work and returns
/// what to print, so it is tested without a process.
public struct ProvisionCLI {
    public struct Output: Equatable, Sendable {
        public var status: Int32 = 0
        public var stdout = ""
        public var stderr = ""
    }

    let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    static let globalValued: Set<String> = ["--server", "--token-file"]
    static let globalSwitches: Set<String> = ["--json", "--help", "-h"]

    public func run(_ arguments: [String]) -> Output {
        var output = Output()
        do {
            output.stdout = try execute(arguments)
        } catch {
            output.status = error.exitCode
            output.stdout = error.stdout
            output.stderr = "provisionctl: \(error.description)\n"
            if error.isUsage { output.stderr += "run 'provisionctl --help' for usage\n" }
        }
        return output
    }

    private func execute(_ arguments: [String]) throws(CLIError) -> String {
        guard let nameIndex = Self.commandIndex(arguments) else {
            if arguments.isEmpty || arguments.contains("--help") || arguments.contains("-h") { return Usage.general }
            throw CLIError("no command given", usage: true)
        }
        let command = try Self.command(named: arguments[nameIndex...].prefix { !$0.hasPrefix("-") })
        var words = arguments
        words.removeSubrange(nameIndex..<(nameIndex + command.name.split(separator: " ").count))
        let parsed = try Arguments(words, valued: command.valued.union(Self.globalValued),
                                   switches: command.switches.union(Self.globalSwitches))
        if parsed.has("--help") || parsed.has("-h") { return command.usage + "\n" }
        // A positional written `[MAC]` may be left out.
        let required = command.positionals.filter { !$0.hasPrefix("[") }.count
        guard (required...command.positionals.count).contains(parsed.positionals.count) else {
            throw CLIError("\(command.name) takes \(command.positionals.isEmpty ? "no arguments" : command.positionals.joined(separator: " ")); see provisionctl \(command.name) --help", usage: true)
        }
        let context = CommandContext(arguments: parsed, client: try client(parsed), json: parsed.has("--json"))
        return try command.run(context)
    }

    /// The command whose name (one word, or a group and its subcommand: `cluster create`) the
    /// leading words spell; the longest such name wins.
    private static func command(named words: ArraySlice<String>) throws(CLIError) -> Command {
        let matches = Command.all.filter { command in
            let name = command.name.split(separator: " ").map(String.init)
            return words.count >= name.count && Array(words.prefix(name.count)) == name
        }
        if let command = matches.max(by: { $0.name.count < $1.name.count }) { return command }
        let first = words.first ?? ""
        let group = Command.all.filter { $0.name.hasPrefix(first + " ") }.map(\.name)
        if !group.isEmpty {
            throw CLIError("\(first) needs a subcommand: \(group.map { String($0.dropFirst(first.count + 1)) }.joined(separator: ", "))", usage: true)
        }
        throw CLIError("unknown command \"\(first)\"", usage: true)
    }

    /// The first word that is neither an option nor the value of a global option before it.
    private static func commandIndex(_ arguments: [String]) -> Int? {
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if globalValued.contains(word) {
                index += 2
            } else if word.hasPrefix("-") {
                index += 1
            } else {
                return index
            }
        }
        return nil
    }

    /// The server and token from flags, then the environment, then the defaults.
    private func client(_ arguments: Arguments) throws(CLIError) -> AdminClient {
        let serverText = arguments.value("--server") ?? environment["PROVISION_SERVER"] ?? "http://127.0.0.1:8081"
        guard let server = URL(string: serverText), let scheme = server.scheme, ["http", "https"].contains(scheme), server.host != nil else {
            throw CLIError("bad --server URL \"\(serverText)\": expected http://HOST:PORT", usage: true)
        }
        return AdminClient(server: server, token: try token(arguments))
    }

    private func token(_ arguments: Arguments) throws(CLIError) -> String {
        if let path = arguments.value("--token-file") { return try readToken(path) }
        if let token = environment["PROVISION_TOKEN"], !token.isEmpty { return token }
        let fallback = "./provision-data/admin.token"
        if FileManager.default.fileExists(atPath: fallback) { return try readToken(fallback) }
        throw CLIError("no admin token: pass --token-file FILE, set PROVISION_TOKEN, or run where ./provision-data/admin.token exists")
    }

    private func readToken(_ path: String) throws(CLIError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read token file \(path)") }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CLIError("token file \(path) is empty") }
        return token
    }
}

struct CommandContext {
    let arguments: Arguments
    let client: AdminClient
    let json: Bool

    /// The positional MAC in canonical form; a bad one is refused before anything is sent.
    func mac(_ index: Int = 0) throws(CLIError) -> MACAddress {
        do { return try MACAddress(arguments.positionals[index]) } catch { throw CLIError(error.description) }
    }
}
