import Dispatch
import Glibc

/// A listening TCP socket that hands each accepted connection to `onAccept`.
public final class TCPListener: @unchecked Sendable {
    /// The bound address, with the port the kernel chose when 0 was asked for.
    public let address: SocketAddress
    private let fd: Int32
    private let queue = DispatchQueue(label: "provisiond.tcp.accept")
    private let source: DispatchSourceRead
    // Touched only on `queue`.
    private var paused = false
    private var started = false
    /// A descriptor held in reserve, given up for a moment when accept(2) fails for want of
    /// descriptors: see `shedPending()`.
    private let spare = SpareDescriptor()
    private let onShed: @Sendable () -> Void
    /// An accepted descriptor numbered this high is closed at once: the kernel hands out the
    /// lowest free number, so it means fewer than `headroom` remain, and the process must never
    /// run out. libdispatch's worker-pool monitor opens /proc/self/task/*/stat and traps when
    /// that fails (seen: SIGILL in _dispatch_workq_monitor_pools at a 64-descriptor limit).
    private let watermark: Int32
    static let headroom: rlim_t = 16

    /// `onShed` runs (on the accept queue) for each connection taken and closed at once because
    /// the process was out of descriptors.
    public init(address: SocketAddress, backlog: Int32 = 1024, onShed: @escaping @Sendable () -> Void = {},
                onAccept: @escaping @Sendable (TCPConnection) -> Void) throws(NetError) {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetError("socket", address: address.description) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        if address.family == AF_INET6 {
            // [::] listens on IPv6 only; say 0.0.0.0 as well for both families.
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &yes, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = NetError("bind", address: address.description)
            Glibc.close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = NetError("listen", address: address.description)
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.onShed = onShed
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        watermark = Int32(clamping: limit.rlim_cur > 2 * Self.headroom ? limit.rlim_cur - Self.headroom : limit.rlim_cur / 2)
        self.address = SocketAddress(boundTo: fd)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptPending(onAccept) }
        let spare = spare
        source.setCancelHandler {
            Glibc.close(fd)
            _ = spare.release()
        }
    }

    public func start() {
        queue.sync {
            started = true
            source.resume()
        }
    }

    /// A listener made but never started (startup failed further on) still owns an inactive
    /// source: Dispatch traps when one is released without being resumed, so resume it here,
    /// with no handler, and cancel it, which closes the socket.
    deinit {
        if !started {
            source.setEventHandler(handler: nil)
            source.resume()
        }
        source.cancel()
    }

    /// Runs `body` on the accept queue, after whatever it is doing now (a liveness probe).
    public func probe(_ body: @escaping @Sendable () -> Void) { queue.async(execute: body) }

    /// Stops accepting; connections already accepted carry on.
    public func close() {
        queue.sync {
            if paused { source.resume() }
            paused = false
            source.cancel()
        }
    }

    private func acceptPending(_ onAccept: @Sendable (TCPConnection) -> Void) {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
            }
            if client >= watermark {
                Glibc.close(client)
                onShed()
                continue
            }
            if client >= 0 {
                // accept4 is not exported by Glibc's module map; set the flags the portable way.
                _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                var yes: Int32 = 1
                setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
                onAccept(TCPConnection(fd: client, peer: SocketAddress(storage: storage)))
                continue
            }
            switch errno {
            case EINTR, ECONNABORTED:
                continue
            case EMFILE, ENFILE:
                // Out of descriptors (the planes' budgets keep us below the limit, but not every
                // descriptor is theirs): the pending connection would stay queued, its client
                // hanging, and the source fire again at once. Take it with the spare and close it.
                if shedPending() { continue }
                fallthrough
            case ENOBUFS, ENOMEM:
                // Back off instead of spinning, and retry when some have closed.
                paused = true
                source.suspend()
                queue.asyncAfter(deadline: .now() + .milliseconds(100)) { [weak self] in
                    guard let self, paused else { return }
                    paused = false
                    source.resume()
                }
                return
            default:
                return
            }
        }
    }

    /// libev's and nginx's answer to EMFILE: close the spare descriptor, accept the pending
    /// connection into its place and close that at once (the client sees the connection end
    /// instead of waiting in the queue), then take the spare back. False when there is no spare.
    private func shedPending() -> Bool {
        // A spare lost to another thread last time is taken again when one is free.
        spare.reclaim()
        guard spare.release() else { return false }
        let client = accept(fd, nil, nil)
        if client >= 0 { Glibc.close(client) }
        spare.reclaim()
        guard client >= 0 else { return false }
        onShed()
        return true
    }
}

/// `/dev/null` opened and kept, so that one descriptor can be freed when none are left. Touched
/// only on the listener's queue (its cancel handler runs there too).
private final class SpareDescriptor: @unchecked Sendable {
    private var fd: Int32

    init() { fd = open("/dev/null", O_RDONLY | O_CLOEXEC) }

    /// Closes the spare; false if there was none (the last reclaim failed).
    func release() -> Bool {
        guard fd >= 0 else { return false }
        Glibc.close(fd)
        fd = -1
        return true
    }

    func reclaim() {
        if fd < 0 { fd = open("/dev/null", O_RDONLY | O_CLOEXEC) }
    }
}
