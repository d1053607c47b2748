import CEpoll
import Dispatch
import Glibc
import Synchronization

/// Something in an event loop's epoll set: a connection or a listening socket. Every member is
/// touched only by the thread driving its loop.
protocol EventLoopSocket: AnyObject {
    var fd: Int32 { get }
    var interest: EpollInterest { get set }
    /// The loop's key for it (epoll's data word); 0 until registered.
    var loopKey: UInt64 { get set }
    /// When `deadlineReached` runs, on the monotonic clock of `DispatchTime` (`.max`: never).
    var deadline: UInt64 { get set }
    func handle(events: UInt32)
    func deadlineReached()
}

/// One thread, one epoll set: reads a ready socket, lets its owner parse and answer, and writes,
/// all on the thread that saw the socket become ready. Under Dispatch every socket event went
/// from its manager thread (which owns the epoll set) to a worker thread: about a quarter of
/// provisiond's CPU samples and a third in context switches under wrk (README, issue 17).
///
/// Level-triggered: a socket not fully read in one turn (64 KiB at a time, so one client cannot
/// hold the loop) is reported again in the next, and the events of a turn that a thread gives up
/// halfway (`blocking`) are reported again to the thread that takes over.
///
/// A handler that has to wait (a SQLite commit and its fsync) calls `EventLoop.blocking`, which
/// hands the loop to a new thread before the wait: the loop's other connections go on being
/// served, the waiting connection is parked (out of the epoll set), and its answer comes back
/// through the loop's mailbox (`execute`). Cross-thread work reaches the loop the same way, with
/// an eventfd(2) to wake it.
public final class EventLoop: @unchecked Sendable {
    public let name: String
    private let epoll: Int32
    private let wakeup: Int32
    private let mailbox = Mutex<[@Sendable () -> Void]>([])
    /// Connections this loop owns (a balance for the accept path; `TCPListener`).
    let load = Atomic<Int>(0)
    /// Threads that gave this loop away to wait (`blocking`) and wait still, and how many may.
    /// Every wait beyond the limit costs the loop a stall instead of a thread: in a storm of
    /// 3,000 machines each answer waited for a commit, and a thread apiece (each with its stack
    /// and TLS, ~40 KiB touched) took 2,231 threads and 131 MiB (bench/storm.sh). Waits mostly
    /// share one group commit, so a few dozen cover a commit's batch.
    let waiters = Atomic<Int>(0)
    let waitersLimit: Int
    // Touched only by the driving thread.
    private var sockets: [UInt64: any EventLoopSocket] = [:]
    private var nextKey: UInt64 = 1
    /// The earliest deadline of a socket that may be due (`.max`: none); checked after each turn.
    private var nextSweep: UInt64 = .max
    /// The socket whose handler runs inline now: parked if that handler blocks.
    private var inFlight: (any EventLoopSocket)?
    /// Where sockets read into (the driving thread's, reused: a fresh 64 KiB array per read cost
    /// more than the small request it held).
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    /// epoll_event's data word for the eventfd; sockets get 1, 2, ...
    private static let wakeupKey: UInt64 = 0
    private static let eventsPerTurn = 128
    /// Mailbox jobs run per turn at most, so a flood of them cannot starve the sockets.
    private static let jobsPerTurn = 1024
    /// Sweeps come at most this often (a deadline fires up to this late): each looks at every
    /// socket, and thousands of slow clients' staggered deadlines would otherwise ask for a
    /// sweep each. The deadlines are seconds long.
    private static let sweepInterval: UInt64 = 50_000_000

    init(name: String, waitersLimit: Int = 32) {
        self.name = name
        self.waitersLimit = waitersLimit
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        precondition(epoll >= 0 && wakeup >= 0, "\(name): epoll or eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeupKey
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        precondition(startDriver(), "\(name): cannot start its thread")
    }

    /// True on the thread driving this loop now.
    public var inLoop: Bool { pthread_getspecific(Self.currentKey) == Unmanaged.passUnretained(self).toOpaque() }

    /// Runs `body` on the loop, after the current turn's events.
    public func execute(_ body: @escaping @Sendable () -> Void) {
        let wasEmpty = mailbox.withLock { jobs in
            jobs.append(body)
            return jobs.count == 1
        }
        // A non-empty mailbox was announced already; the loop drains it until empty.
        if wasEmpty, !inLoop {
            var one: UInt64 = 1
            _ = write(wakeup, &one, 8)
        }
    }

    /// Runs `body` on the loop and waits for it (at once when called on the loop).
    public func sync(_ body: @escaping @Sendable () -> Void) {
        if inLoop { return body() }
        let done = DispatchSemaphore(value: 0)
        execute {
            body()
            done.signal()
        }
        done.wait()
    }

    /// Runs `body`, which may block, from any thread. On a loop's driving thread the loop passes
    /// to a new thread first (the socket whose handler runs is parked until its answer comes back
    /// through `execute`), so the calling thread, once `body` returns, no longer drives it: its
    /// callers see `inLoop` false and must hand what is left to the loop. When `waitersLimit`
    /// threads of this loop wait already, the loop's own thread waits instead and goes on driving
    /// it afterwards (`inLoop` stays true).
    public static func blocking<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        guard let raw = pthread_getspecific(currentKey) else { return try body() }
        let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
        guard loop.waiters.add(1, ordering: .relaxed).newValue <= loop.waitersLimit else {
            loop.waiters.subtract(1, ordering: .relaxed)
            return try body()
        }
        defer { loop.waiters.subtract(1, ordering: .relaxed) }
        loop.handOff()
        return try body()
    }

    /// Runs `body` on the loop with `socket` as the one to park, should `body` block.
    func whileHandling<T>(_ socket: any EventLoopSocket, _ body: () -> T) -> T {
        inFlight = socket
        let result = body()
        if inLoop { inFlight = nil }
        return result
    }

    // MARK: - Sockets (on the loop)

    /// Brings the epoll set in line with `socket.interest`; false if the kernel refused (no
    /// memory, or `max_user_watches` reached): the caller gives the socket up.
    @discardableResult
    func update(_ socket: any EventLoopSocket) -> Bool {
        if socket.loopKey == 0 {
            socket.loopKey = nextKey
            nextKey += 1
            sockets[socket.loopKey] = socket
        }
        var event = epoll_event()
        event.data.u64 = socket.loopKey
        switch socket.interest.settle() {
        case .none:
            return true
        case .add(let mask):
            event.events = mask
            return epoll_ctl(epoll, EPOLL_CTL_ADD, socket.fd, &event) == 0
        case .modify(let mask):
            event.events = mask
            return epoll_ctl(epoll, EPOLL_CTL_MOD, socket.fd, &event) == 0
        case .delete:
            return epoll_ctl(epoll, EPOLL_CTL_DEL, socket.fd, &event) == 0
        }
    }

    /// Forgets `socket`, whose descriptor is closed (which took it out of the epoll set) or no
    /// longer in the set.
    func remove(_ socket: any EventLoopSocket) {
        guard socket.loopKey != 0 else { return }
        sockets[socket.loopKey] = nil
        socket.loopKey = 0
    }

    /// `socket.deadline` may have moved earlier: the loop looks in time.
    func deadlineChanged(_ socket: any EventLoopSocket) {
        if socket.deadline < nextSweep { nextSweep = socket.deadline }
    }

    // MARK: - The loop

    private func run() {
        pthread_setspecific(Self.currentKey, Unmanaged.passUnretained(self).toOpaque())
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Self.eventsPerTurn)
        defer { events.deallocate() }
        while true {
            let count = epoll_wait(epoll, events, Int32(Self.eventsPerTurn), waitMilliseconds())
            for index in 0..<Int(max(count, 0)) {
                let key = events[index].data.u64
                if key == Self.wakeupKey {
                    var value: UInt64 = 0
                    _ = read(wakeup, &value, 8)
                    continue
                }
                sockets[key]?.handle(events: events[index].events)
                guard inLoop else { return }
            }
            guard runJobs(), sweep() else { return }
        }
    }

    /// epoll_wait's timeout: none while jobs wait, until the next deadline, or forever.
    private func waitMilliseconds() -> Int32 {
        if !mailbox.withLock({ $0.isEmpty }) { return 0 }
        guard nextSweep != .max else { return -1 }
        let now = DispatchTime.now().uptimeNanoseconds
        guard nextSweep > now else { return 0 }
        return Int32(clamping: (nextSweep - now + 999_999) / 1_000_000)
    }

    /// Runs mailbox jobs one at a time (a job may give the loop away: those after it stay for the
    /// next driver). False when this thread no longer drives the loop.
    private func runJobs() -> Bool {
        for _ in 0..<Self.jobsPerTurn {
            guard let job = mailbox.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { return true }
            job()
            guard inLoop else { return false }
        }
        return true
    }

    /// Runs `deadlineReached` of every socket whose deadline has come, and finds the next one.
    /// Parked sockets wait: their owner sets their deadline again when they come back.
    private func sweep() -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now >= nextSweep else { return true }
        nextSweep = .max
        for socket in sockets.values where !socket.interest.parked {
            if socket.deadline <= now {
                socket.deadline = .max
                socket.deadlineReached()
                guard inLoop else { return false }
            }
            nextSweep = min(nextSweep, socket.deadline)
        }
        if nextSweep != .max { nextSweep = max(nextSweep, now + Self.sweepInterval) }
        return true
    }

    /// Gives the loop to a new thread: parks the socket being handled, and leaves the next
    /// driver a sweep to do (the one this thread may have been in the middle of).
    private func handOff() {
        let parked = inFlight
        if let parked {
            parked.interest.parked = true
            update(parked)
        }
        inFlight = nil
        nextSweep = 0
        pthread_setspecific(Self.currentKey, nil)
        guard startDriver() else {
            // No thread to be had: keep the loop and block it, rather than lose it.
            pthread_setspecific(Self.currentKey, Unmanaged.passUnretained(self).toOpaque())
            if let parked {
                parked.interest.parked = false
                update(parked)
            }
            return
        }
    }

    private func startDriver() -> Bool {
        let loop = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let started = pthread_create(&thread, &attributes, { raw in
            Unmanaged<EventLoop>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, loop.toOpaque())
        if started != 0 { loop.release() }
        return started == 0
    }

    /// Which loop the calling thread drives, if any.
    private static let currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
}
