import Foundation
import Glibc

/// Two network namespaces joined by a veth pair, made for one test and removed after it: the
/// server side has 10.77.0.1/24 (and 10.78.0.1/24 for relay tests), the client side no address
/// unless given one. Traffic never leaves them.
final class NetworkLab: @unchecked Sendable {
    let server: String
    let client: String
    let serverInterface: String
    let clientInterface: String
    let clientMAC: String

    private static let prefix = "pvt"
    private static let counter = Counter()

    init(clientMAC: String = "52:54:00:a0:00:01") throws {
        Self.removeStale()
        Self.counter.add()
        let id = "\(getpid() % 100_000)x\(Self.counter.value)"
        server = "\(Self.prefix)\(id)s"
        client = "\(Self.prefix)\(id)c"
        serverInterface = "\(Self.prefix)\(id)s"
        clientInterface = "\(Self.prefix)\(id)c"
        self.clientMAC = clientMAC
        let commands: [[String]] = [
            ["netns", "add", server], ["netns", "add", client],
            ["link", "add", serverInterface, "type", "veth", "peer", "name", clientInterface],
            ["link", "set", serverInterface, "netns", server], ["link", "set", clientInterface, "netns", client],
            ["-n", client, "link", "set", clientInterface, "address", clientMAC],
            ["-n", server, "addr", "add", "10.77.0.1/24", "dev", serverInterface],
            ["-n", server, "addr", "add", "10.78.0.1/24", "dev", serverInterface],
            ["-n", server, "link", "set", "lo", "up"], ["-n", server, "link", "set", serverInterface, "up"],
            ["-n", client, "link", "set", "lo", "up"], ["-n", client, "link", "set", clientInterface, "up"],
        ]
        for command in commands {
            let result = try runTool("ip", command)
            guard result.status == 0 else {
                remove()
                throw TestFailure("ip \(command.joined(separator: " ")): \(result.stderr)")
            }
        }
    }

    deinit { remove() }

    func remove() {
        _ = try? runTool("ip", ["netns", "del", server])
        _ = try? runTool("ip", ["netns", "del", client])
    }

    /// Runs a program inside the client namespace.
    func inClient(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try runTool("ip", ["netns", "exec", client, program] + arguments)
    }

    /// Namespaces of ours left by a run that died: the PID in their name no longer exists.
    private static func removeStale() {
        guard let listing = try? runTool("ip", ["netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x]), pid != getpid() % 100_000
            else { continue }
            if kill(pid, 0) != 0 { _ = try? runTool("ip", ["netns", "del", name]) }
        }
    }
}
