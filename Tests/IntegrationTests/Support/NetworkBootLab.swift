import Foundation
import Glibc
import TestSupport

/// A network namespace holding provisiond and a tap device that a QEMU machine, started inside
/// the same namespace, plugs into: the machine's NIC is the tap's peer, so its DHCP, TFTP and
/// HTTP reach provisiond and nothing else. The tap has 10.79.0.1/24, and IPv6 router
/// solicitations on it are answered (`router_advertiser.py`: iPXE otherwise waits ~15 s for a
/// router at every boot). Made for one test and removed after it, with the tap and any process
/// still in it.
final class NetworkBootLab: @unchecked Sendable {
    let namespace: String
    let tap: String
    static let serverAddress = "10.79.0.1"
    static let subnet = "10.79.0.0/24"

    private static let prefix = "pvnb"
    private static let counter = Counter()
    private let lock = NSLock()
    private var machines: [NetworkBootVM] = []
    private var removed = false
    private var advertiser: RouterAdvertiser?

    init() throws {
        Self.removeStale()
        Self.counter.add()
        let id = "\(getpid())x\(Self.counter.value)"
        namespace = "\(Self.prefix)\(id)"
        tap = "\(Self.prefix)\(id)t"
        let commands: [[String]] = [
            ["netns", "add", namespace],
            ["netns", "exec", namespace, "ip", "tuntap", "add", "dev", tap, "mode", "tap"],
            // No duplicate address detection: the tap's link-local address (the source of the
            // router advertisements) is usable the moment QEMU brings the link up.
            ["netns", "exec", namespace, "sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/\(tap)/accept_dad"],
            ["-n", namespace, "addr", "add", "\(Self.serverAddress)/24", "dev", tap],
            ["-n", namespace, "link", "set", "lo", "up"],
            ["-n", namespace, "link", "set", tap, "up"],
        ]
        for command in commands {
            let result = try runTool("ip", command)
            guard result.status == 0 else {
                remove()
                throw TestFailure("network lab: ip \(command.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
            }
        }
        do {
            let advertiser = try RouterAdvertiser(namespace: namespace, interface: tap)
            lock.withLock { self.advertiser = advertiser }
        } catch {
            remove()
            throw error
        }
    }

    deinit { remove() }

    /// Keeps track of a machine so `remove()` stops it before the namespace goes.
    func adopt(_ machine: NetworkBootVM) {
        lock.withLock { machines.append(machine) }
    }

    /// Stops every machine, deletes the tap and the namespace. Safe to call more than once.
    func remove() {
        let toStop: [NetworkBootVM] = lock.withLock {
            defer { machines = [] }
            return machines
        }
        for machine in toStop { machine.stop() }
        lock.withLock { () -> RouterAdvertiser? in
            defer { advertiser = nil }
            return advertiser
        }?.stop()
        guard lock.withLock({ () -> Bool in
            defer { removed = true }
            return !removed
        }) else { return }
        Self.killProcesses(in: namespace)
        _ = try? runTool("ip", ["-n", namespace, "link", "del", tap])
        _ = try? runTool("ip", ["netns", "del", namespace])
    }

    /// Whatever still runs in the namespace (a QEMU or provisiond a failed test left behind):
    /// `ip netns pids` lists exactly those processes, and only they are killed.
    private static func killProcesses(in namespace: String) {
        guard let listing = try? runTool("ip", ["netns", "pids", namespace]), listing.status == 0 else { return }
        let pids = listing.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        for pid in pids { kill(pid, SIGKILL) }
        // Give them a moment to go (a child of ours stays a zombie until its owner reaps it:
        // that is its owner's business, not ours).
        let deadline = Date().addingTimeInterval(1)
        while Date() < deadline, pids.contains(where: { kill($0, 0) == 0 && !isZombie($0) }) { usleep(10_000) }
    }

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Namespaces of ours left by a run that died: the PID in their name no longer exists.
    private static func removeStale() {
        guard let listing = try? runTool("ip", ["netns", "list"]) else { return }
        for line in listing.stdout.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(prefix), let x = name.firstIndex(of: "x"),
                  let pid = Int32(name[name.index(name.startIndex, offsetBy: prefix.count)..<x]), pid != getpid()
            else { continue }
            if kill(pid, 0) != 0 {
                killProcesses(in: name)
                _ = try? runTool("ip", ["netns", "del", name])
            }
        }
    }
}
