import Foundation
import Glibc

/// A network namespace for the real-OS tests: a bridge holding provisiond's address
/// (10.81.0.1/24) and one tap per QEMU guest enslaved to it, so several guests boot against one
/// provisiond at once. Made for one test and removed after it, with everything still running
/// in it. Names carry the test process's PID; namespaces of dead runs are removed first.
/// Other hosts on the same segment (`addHost`: an attacker, another DHCP server) each get a
/// namespace of their own with a veth on the bridge. IPv6 router solicitations on the bridge are
/// answered (`RouterAdvertiser`: iPXE otherwise waits ~15 s for a router at every boot).
final class CloudImageLab: @unchecked Sendable {
    let namespace: String
    let bridge: String
    static let serverAddress = "10.81.0.1"
    static let subnet = "10.81.0.0/24"

    private static let prefix = "pvci"
    private static let counter = Counter()
    private let id: String
    private let lock = NSLock()
    private var taps = 0
    private var hosts: [String] = []
    private var advertiser: RouterAdvertiser?
    private var removed = false

    init() throws {
        Self.removeStale()
        Self.counter.add()
        id = "\(getpid())x\(Self.counter.value)"
        namespace = Self.prefix + id
        bridge = Self.prefix + id + "b"
        try run([["netns", "add", namespace],
                 ["-n", namespace, "link", "add", bridge, "type", "bridge"],
                 // No duplicate address detection: the advertisements' source address is usable at once.
                 ["netns", "exec", namespace, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/\(bridge)/accept_dad"],
                 ["-n", namespace, "addr", "add", "\(Self.serverAddress)/24", "dev", bridge],
                 ["-n", namespace, "link", "set", "lo", "up"],
                 ["-n", namespace, "link", "set", bridge, "up"]])
        do {
            let advertiser = try RouterAdvertiser(namespace: namespace, interface: bridge)
            lock.withLock { self.advertiser = advertiser }
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// A new tap on the bridge for one guest's NIC.
    func addTap() throws -> String {
        let tap = lock.withLock { () -> String in
            taps += 1
            return Self.prefix + id + "t\(taps)"
        }
        try run([["netns", "exec", namespace, "ip", "tuntap", "add", "dev", tap, "mode", "tap"],
                 ["-n", namespace, "link", "set", tap, "master", bridge],
                 ["-n", namespace, "link", "set", tap, "up"]])
        return tap
    }

    /// A new host on the segment: its own namespace (returned) whose interface `eth0` has `mac`,
    /// with no address until the test gives it one.
    func addHost(mac: String) throws -> String {
        let (host, link) = lock.withLock { () -> (String, String) in
            hosts.append(Self.prefix + id + "h\(hosts.count + 1)")
            return (hosts[hosts.count - 1], Self.prefix + id + "v\(hosts.count)")
        }
        try run([["netns", "add", host],
                 ["-n", namespace, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", host],
                 ["-n", namespace, "link", "set", link, "master", bridge],
                 ["-n", namespace, "link", "set", link, "up"],
                 ["-n", host, "link", "set", "eth0", "address", mac],
                 ["-n", host, "link", "set", "lo", "up"],
                 ["-n", host, "link", "set", "eth0", "up"]])
        return host
    }

    /// Runs a program inside the namespace (ssh to a guest, ...).
    func run(_ program: String, _ arguments: [String]) throws -> ProcessResult {
        try runTool("ip", ["netns", "exec", namespace, try toolPath(program)] + arguments)
    }

    /// Kills what still runs in the namespace (`ip netns pids` lists exactly those processes),
    /// then deletes it with its bridge and taps. Safe to call more than once.
    func remove() {
        guard lock.withLock({ () -> Bool in
            defer { removed = true }
            return !removed
        }) else { return }
        lock.withLock { advertiser }?.stop()
        for host in lock.withLock({ hosts }) { Self.removeNamespace(host) }
        Self.removeNamespace(namespace)
    }

    private func run(_ commands: [[String]]) throws {
        for command in commands {
            let result = try runTool("ip", command)
            guard result.status == 0 else {
                remove()
                throw TestFailure("cloud image lab: ip \(command.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
            }
        }
    }

    private static func removeNamespace(_ name: String) {
        if let listing = try? runTool("ip", ["netns", "pids", name]), listing.status == 0 {
            let pids = listing.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
            for pid in pids { kill(pid, SIGKILL) }
        }
        _ = try? runTool("ip", ["netns", "del", name])
    }

    /// Namespaces of ours left by a run that died: the PID in their name no longer exists.
    private static func removeStale() {
        guard let listing = try? runTool("ip", ["netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x]), pid != getpid(), kill(pid, 0) != 0
            else { continue }
            removeNamespace(name)
        }
    }
}
