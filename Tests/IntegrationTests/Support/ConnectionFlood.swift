import Foundation
import Glibc

/// Many TCP connections held open to one loopback port from several source addresses (all of
/// 127/8 is this host), some idle, some trickling a request head a byte at a time: the load a
/// client on the LAN can put on a listener. Connects are non-blocking, so the kernel's accept
/// queue, not this test, decides how fast they land.
final class ConnectionFlood: @unchecked Sendable {
    private var sockets: [Int32] = []
    /// Sockets the server has closed (end of file or reset seen).
    private var closed = Set<Int32>()
    private let lock = NSLock()
    private var stopping = false
    /// Signalled when the trickling thread has ended (or never started).
    private let trickleEnded = DispatchSemaphore(value: 0)
    private var trickling = false

    /// Opens `count` connections to 127.0.0.1:`port`, spread round-robin over `sources`.
    init(port: UInt16, count: Int, sources: [String]) throws {
        try Self.raiseDescriptorLimit(above: count + 1024)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for index in 0..<count {
            // Close-on-exec: the programs other tests start meanwhile (provisiond among them) must
            // not inherit 5,000 sockets, keep them open and spend their own descriptors on them.
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket failed after \(index) connections: errno \(errno)") }
            sockets.append(fd)
            guard bindIPv4(fd, sources[index % sources.count]) else { throw TestFailure("bind failed: errno \(errno)") }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard result == 0 || errno == EINPROGRESS else { throw TestFailure("connect failed after \(index) connections: errno \(errno)") }
        }
    }

    /// Stops the trickle, waits for its thread, and closes every connection: the descriptors may
    /// be reused by other tests only once nothing writes to them.
    func close() {
        lock.withLock { stopping = true }
        if trickling { trickleEnded.wait() }
        trickling = false
        for fd in sockets { Glibc.close(fd) }
        sockets = []
    }

    /// The test process needs a descriptor per connection.
    private static func raiseDescriptorLimit(above needed: Int) throws {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_cur < needed else { return }
        guard limit.rlim_max >= needed else { throw TestFailure("RLIMIT_NOFILE hard limit \(limit.rlim_max) is below \(needed)") }
        limit.rlim_cur = rlim_t(needed)
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Sends one byte of a request head to every other connection every `interval` seconds
    /// (slowloris), on a thread of its own, until `close`.
    func startTrickling(every interval: Double) {
        let head = Array("GET /boot.ipxe?mac=52:54:00:00:00:01 HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
        trickling = true
        let thread = Thread { [self] in
            defer { trickleEnded.signal() }
            var position = 0
            while !lock.withLock({ stopping }) {
                var byte = head[position % head.count]
                for fd in sockets.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) {
                    _ = Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                position += 1
                // Pacing the trickle is the attack itself, not a wait for something to happen.
                Thread.sleep(forTimeInterval: interval)
            }
        }
        thread.start()
    }

    /// How many connections the server has closed so far (answered 503, evicted, or timed out).
    func closedByServer() -> Int {
        var scratch = [UInt8](repeating: 0, count: 4096)
        for fd in sockets where !closed.contains(fd) {
            while true {
                let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if count > 0 { continue }
                if count == 0 || errno == ECONNRESET { closed.insert(fd) }
                break
            }
        }
        return closed.count
    }

    var count: Int { sockets.count }
}
