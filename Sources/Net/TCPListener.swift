import CEpoll
import Dispatch
import Glibc
import Synchronization

/// A listening TCP socket whose connections go to an `EventLoopGroup`. The one socket is in every
/// loop's epoll set with EPOLLEXCLUSIVE (the kernel wakes one loop, not all, per new connection);
/// the loop that wakes accepts what is pending and gives each connection to the loop holding the
/// fewest, so connections opened at once (wrk's 32) spread over the cores. One socket rather
/// than SO_REUSEPORT one per loop: with SO_REUSEPORT a second provisiond would bind the same port
/// without an error and take half of the connections.
public final class TCPListener: @unchecked Sendable {
    /// The bound address, with the port the kernel chose when 0 was asked for.
    public let address: SocketAddress
    private let fd: Int32
    private let group: EventLoopGroup
    /// The socket's place in each loop's set, in the order of `group.loops`.
    private var entries: [ListeningEntry] = []
    /// A descriptor held in reserve, given up for a moment when accept(2) fails for want of
    /// descriptors: see `shedPending()`.
    private let spare = SpareDescriptor()
    private let isClosed = Atomic<Bool>(false)
    private let onShed: @Sendable () -> Void
    private let onAccept: @Sendable (TCPConnection) -> Void
    /// An accepted descriptor numbered this high is closed at once: the kernel hands out the
    /// lowest free number, so it means fewer than `headroom` remain, and the process must never
    /// run out. libdispatch's worker-pool monitor opens /proc/self/task/*/stat and traps when
    /// that fails (seen: SIGILL in _dispatch_workq_monitor_pools at a 64-descriptor limit).
    private let watermark: Int32
    static let headroom: rlim_t = 16
    /// Connections taken per wake-up at most, so a burst cannot hold one loop for long.
    private static let acceptsPerWake = 64
    /// How long a loop stops accepting after the kernel ran out of memory for a connection.
    private static let backOff: UInt64 = 100_000_000

    /// `onShed` runs (on a loop) for each connection taken and closed at once because the process
    /// was out of descriptors; `onAccept` (on a loop) for each connection, owned by the loop it
    /// names.
    public init(address: SocketAddress, backlog: Int32 = 1024, group: EventLoopGroup = .shared, onShed: @escaping @Sendable () -> Void = {},
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
        self.group = group
        self.onShed = onShed
        self.onAccept = onAccept
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        watermark = Int32(clamping: limit.rlim_cur > 2 * Self.headroom ? limit.rlim_cur - Self.headroom : limit.rlim_cur / 2)
        self.address = SocketAddress(boundTo: fd)
        entries = group.loops.map { ListeningEntry(fd: fd, loop: $0) }
    }

    public func start() {
        for entry in entries {
            entry.loop.sync { [self] in
                entry.listener = self
                entry.resume()
            }
        }
    }

    /// A listener never started (startup failed further on) still holds its socket.
    deinit {
        if !isClosed.load(ordering: .relaxed) { Glibc.close(fd) }
    }

    /// Runs `body` once every loop has run what it was doing now (a liveness probe).
    public func probe(_ body: @escaping @Sendable () -> Void) {
        let countdown = Countdown(entries.count, then: body)
        for entry in entries { entry.loop.execute { countdown.tick() } }
    }

    /// Stops accepting; connections already accepted carry on.
    public func close() {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        for entry in entries { entry.loop.sync { entry.stop() } }
        Glibc.close(fd)
        spare.close()
    }

    /// Accepts what is pending on `entry`'s loop and hands each connection on.
    fileprivate func acceptPending(_ entry: ListeningEntry) {
        for _ in 0..<Self.acceptsPerWake {
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
                onAccept(TCPConnection(fd: client, peer: SocketAddress(storage: storage), loop: group.leastLoaded()))
                continue
            }
            switch errno {
            case EINTR, ECONNABORTED:
                continue
            case EMFILE, ENFILE:
                // Out of descriptors (the planes' budgets keep us below the limit, but not every
                // descriptor is theirs): the pending connection would stay queued, its client
                // hanging, and the socket be reported again at once. Take it with the spare and
                // close it.
                if shedPending() { continue }
                fallthrough
            case ENOBUFS, ENOMEM:
                // Back off instead of spinning, and retry when some have closed.
                entry.pause(for: Self.backOff)
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
        guard spare.whileReleased({ accept(fd, nil, nil) }) else { return false }
        onShed()
        return true
    }
}

/// The listening socket's place in one loop's epoll set; touched only on that loop.
private final class ListeningEntry: EventLoopSocket, @unchecked Sendable {
    let fd: Int32
    let loop: EventLoop
    var interest = EpollInterest(addFlags: EPOLLEXCLUSIVE.rawValue)
    var loopKey: UInt64 = 0
    var deadline: UInt64 = .max
    /// Set on start, dropped on stop (the listener holds its entries: this ends the cycle).
    var listener: TCPListener?

    init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
    }

    func handle(events: UInt32) { listener?.acceptPending(self) }

    /// The back-off is over.
    func deadlineReached() { resume() }

    func resume() {
        guard listener != nil else { return }
        interest.reading = true
        loop.update(self)
    }

    func pause(for nanoseconds: UInt64) {
        interest.reading = false
        loop.update(self)
        deadline = DispatchTime.now().uptimeNanoseconds + nanoseconds
        loop.deadlineChanged(self)
    }

    func stop() {
        interest.reading = false
        loop.update(self)
        loop.remove(self)
        listener = nil
    }
}

/// Runs its action when ticked `count` times, from any threads.
private final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    private let action: @Sendable () -> Void

    init(_ count: Int, then action: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.action = action
    }

    func tick() {
        if remaining.withLock({ $0 -= 1; return $0 == 0 }) { action() }
    }
}

/// `/dev/null` opened and kept, so that one descriptor can be freed when none are left. Several
/// loops accept at once: the lock makes each give-up-and-take-back whole.
private final class SpareDescriptor: Sendable {
    private let fd: Mutex<Int32>

    init() { fd = Mutex(open("/dev/null", O_RDONLY | O_CLOEXEC)) }

    /// Closes the spare, runs `body` (which takes the freed descriptor and returns it, or -1),
    /// closes that and takes the spare back; false when there was no spare (or `body` failed).
    func whileReleased(_ body: () -> Int32) -> Bool {
        fd.withLock { spare in
            // A spare lost last time is taken again when one is free.
            if spare < 0 { spare = open("/dev/null", O_RDONLY | O_CLOEXEC) }
            guard spare >= 0 else { return false }
            Glibc.close(spare)
            let taken = body()
            if taken >= 0 { Glibc.close(taken) }
            spare = open("/dev/null", O_RDONLY | O_CLOEXEC)
            return taken >= 0
        }
    }

    func close() {
        fd.withLock { spare in
            if spare >= 0 { Glibc.close(spare) }
            spare = -1
        }
    }
}
