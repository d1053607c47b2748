import Dispatch

/// A UDP socket in an `EventLoop`'s epoll set: `onReadable` runs on the loop's thread while
/// datagrams wait (level-triggered: a handler that reads one datagram is called again for the
/// next), and `onDeadline` once the time given to `setDeadline` comes (up to the loop's sweep
/// interval late). Every method must be called on the loop (`loop.execute` from elsewhere).
///
/// For sockets that each carry little, many at once (a TFTP transfer's): a loop thread that
/// wakes finds every ready socket in one epoll_wait, where a Dispatch source per socket cost a
/// wake-up of Dispatch's event thread and one of a worker per datagram, and an epoll_ctl to
/// re-arm the source (perf, bench/tftp-storm.sh: 44 % of the samples in context switches).
public final class UDPLoopSocket: @unchecked Sendable, EventLoopSocket {
    public let socket: UDPSocket
    public let loop: EventLoop
    var fd: Int32 { socket.fd }
    var interest = EpollInterest()
    var loopKey: UInt64 = 0
    var deadline: UInt64 = .max
    // The handlers may hold their owner strongly; `cancel()` drops them, which ends the cycle.
    private var onReadable: (() -> Void)?
    private var onDeadline: (() -> Void)?
    /// Between a `start` that succeeded and `cancel`: counted in the loop's load.
    private var watching = false

    public init(socket: UDPSocket, loop: EventLoop) {
        self.socket = socket
        self.loop = loop
    }

    /// Starts watching. False when the kernel refused to add the socket (no memory, or
    /// `max_user_watches` reached): nothing is watched then.
    public func start(onReadable: @escaping () -> Void, onDeadline: @escaping () -> Void) -> Bool {
        self.onReadable = onReadable
        self.onDeadline = onDeadline
        interest.reading = true
        guard loop.update(self) else {
            interest.closed()
            forget()
            return false
        }
        watching = true
        loop.load.add(1, ordering: .relaxed)
        return true
    }

    /// `onDeadline` runs at `uptimeNanoseconds` (`DispatchTime`'s clock), or soon after. Moving
    /// a deadline later costs nothing: the loop looks at deadlines only when the earliest is due.
    public func setDeadline(_ uptimeNanoseconds: UInt64) {
        deadline = uptimeNanoseconds
        loop.deadlineChanged(self)
    }

    /// Stops watching and drops the handlers; no handler runs after this returns. The socket
    /// closes when nothing else holds it.
    public func cancel() {
        guard watching else { return }
        watching = false
        loop.load.subtract(1, ordering: .relaxed)
        interest.reading = false
        loop.update(self)
        forget()
    }

    private func forget() {
        loop.remove(self)
        onReadable = nil
        onDeadline = nil
    }

    func handle(events: UInt32) { onReadable?() }

    func deadlineReached() { onDeadline?() }
}
