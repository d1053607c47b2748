import CEpoll
import Dispatch
import Glibc

/// An accepted, non-blocking TCP connection owned by one `EventLoop`: its callbacks run on the
/// thread driving that loop, and every method must be called there (`loop.execute` from
/// elsewhere).
public final class TCPConnection: @unchecked Sendable, EventLoopSocket {
    public let peer: SocketAddress
    /// The address the peer connected to: which of our addresses serves it.
    public let local: SocketAddress
    public let loop: EventLoop
    let fd: Int32
    var interest = EpollInterest()
    var loopKey: UInt64 = 0
    var deadline: UInt64 = .max
    public private(set) var isClosed = false
    /// What `send` and `sendFile` queued and the kernel has not taken yet, in order.
    private var outbox: [OutgoingSegment] = []
    /// TCP_CORK is on while a file is being sent (see `flush`).
    private var corked = false
    /// Bytes the kernel has taken so far: lets a caller tell a slow reader from a stuck one.
    public private(set) var bytesSent: UInt64 = 0
    // The handlers hold their owner strongly; `close()` drops them, which ends the cycle.
    private var onData: (([UInt8]) -> Void)?
    private var onDeadline: (() -> Void)?
    private var onClose: (() -> Void)?

    /// Largest sendfile(2) per call, so one big file does not hold the loop for long.
    private static let fileChunk = 4 << 20

    init(fd: Int32, peer: SocketAddress, loop: EventLoop) {
        self.fd = fd
        self.peer = peer
        self.loop = loop
        local = SocketAddress(boundTo: fd)
        loop.load.add(1, ordering: .relaxed)
    }

    /// Starts delivering received bytes to `onData`; `onDeadline` runs when the time given to
    /// `setDeadline` comes; `onClose` runs once when the connection ends (peer closed, error, or
    /// `close()`).
    public func start(onData: @escaping ([UInt8]) -> Void, onDeadline: @escaping () -> Void = {}, onClose: @escaping () -> Void) {
        self.onData = onData
        self.onDeadline = onDeadline
        self.onClose = onClose
        resumeReading()
    }

    public func pauseReading() {
        interest.reading = false
        settle()
    }

    public func resumeReading() {
        interest.reading = true
        settle()
    }

    /// `onDeadline` runs at `uptimeNanoseconds` (`DispatchTime`'s clock), or soon after.
    public func setDeadline(_ uptimeNanoseconds: UInt64) {
        guard !isClosed else { return }
        deadline = uptimeNanoseconds
        loop.deadlineChanged(self)
    }

    /// Runs `body` (a request's handler) here on the loop. Should it block (`EventLoop.blocking`),
    /// this connection is parked and the loop goes on without it: `loop.inLoop` is false once
    /// `body` returns, and the answer must go back through `loop.execute`, then `unpark()`.
    public func handle<T>(_ body: () -> T) -> T { loop.whileHandling(self, body) }

    /// No events until `unpark()`: the request is being answered on another thread.
    public func park() {
        interest.parked = true
        settle()
    }

    public func unpark() {
        interest.parked = false
        settle()
        loop.deadlineChanged(self)
    }

    /// Queues `bytes`; `completion` runs when the kernel has taken all of them (not run if the
    /// connection closes first).
    public func send(_ bytes: [UInt8], completion: (() -> Void)? = nil) {
        guard !isClosed else { return }
        outbox.append(OutgoingSegment(content: .bytes(bytes, sent: 0), completion: completion))
        flush()
    }

    /// Queues `length` bytes of the open file `file` from `offset`, sent with sendfile(2) so the
    /// file never passes through our memory. The connection owns `file` from now on and closes it.
    public func sendFile(_ file: Int32, offset: Int, length: Int, completion: (() -> Void)? = nil) {
        guard !isClosed else {
            Glibc.close(file)
            return
        }
        outbox.append(OutgoingSegment(content: .file(file, offset: offset, remaining: length), completion: completion))
        flush()
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        for segment in outbox { segment.release() }
        outbox.removeAll()
        // Closing the descriptor takes it out of the epoll set: no epoll_ctl needed.
        interest.closed()
        loop.remove(self)
        Glibc.close(fd)
        loop.load.subtract(1, ordering: .relaxed)
        let handler = onClose
        onData = nil
        onDeadline = nil
        onClose = nil
        handler?()
    }

    /// Answers `bytes` and closes without reading a request: a refusal at the door (503 when a
    /// budget is spent). What the client already sent is read and dropped first, so the close
    /// is a FIN and the client reads the answer instead of a reset (RFC 9112 §9.6: a close with
    /// unread data sends RST, which may discard the response).
    public func refuse(with bytes: [UInt8]) {
        for _ in 0..<16 {
            if recv(fd, loop.scratch.baseAddress, loop.scratch.count, Int32(MSG_DONTWAIT)) <= 0 { break }
        }
        send(bytes) { [self] in close() }
    }

    func handle(events: UInt32) {
        let failed = events & (EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0
        if interest.reading, failed || events & EPOLLIN.rawValue != 0 {
            readAvailable()
        }
        // The read's handler may have closed us, or given the loop away (`handle(_:)`).
        guard !isClosed, loop.inLoop else { return }
        if interest.writing, failed || events & EPOLLOUT.rawValue != 0 { flush() }
    }

    func deadlineReached() { onDeadline?() }

    private func settle() {
        guard !isClosed else { return }
        if !loop.update(self) { close() }
    }

    private func readAvailable() {
        let count = recv(fd, loop.scratch.baseAddress, loop.scratch.count, 0)
        if count > 0 {
            onData?(Array(UnsafeRawBufferPointer(rebasing: loop.scratch[..<count])))
        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close()
        }
    }

    /// Writes queued segments until the kernel's buffer is full (then waits for EPOLLOUT) or
    /// everything is sent.
    /// While a file goes out the socket is corked (TCP_CORK, tcp(7); nginx's `tcp_nopush`): the
    /// kernel sends only full segments, where TCP_NODELAY (set on every accepted connection, for
    /// the small answers) would push a partial one at the end of each sendfile(2) call. Uncorked
    /// as the last queued segment finishes, which sends the last partial segment at once. A 256 MiB asset
    /// over loopback, 8 downloads one after another (bench/boot-plane.sh): 1,284 MiB/s uncorked,
    /// nginx with tcp_nopush 1,707 and without it ~1,300.
    private func flush() {
        while !isClosed, !outbox.isEmpty {
            if !corked, case .file = outbox[0].content { setCork(true) }
            switch outbox[0].write(to: fd, maxFileChunk: Self.fileChunk) {
            case .progress(let count):
                bytesSent += UInt64(count)
                if outbox[0].isDone {
                    let finished = outbox.removeFirst()
                    finished.release()
                    // Before the completion, which may hand the loop on with the socket idle.
                    if corked, outbox.isEmpty { setCork(false) }
                    finished.completion?()
                    // A completion may answer the next request, whose handler may give the
                    // loop away: the rest is the next driver's.
                    guard loop.inLoop else { return }
                }
            case .wouldBlock:
                interest.writing = true
                settle()
                return
            case .failed:
                close()
                return
            }
        }
        if interest.writing {
            interest.writing = false
            settle()
        }
    }

    private func setCork(_ on: Bool) {
        var value: Int32 = on ? 1 : 0
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
        corked = on
    }
}
