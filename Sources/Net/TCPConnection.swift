import Dispatch
import Glibc

/// An accepted, non-blocking TCP connection driven by Dispatch sources on its own serial queue.
/// Every callback runs on `queue`, and every method must be called there.
public final class TCPConnection: @unchecked Sendable {
    public let peer: SocketAddress
    /// The address the peer connected to: which of our addresses serves it.
    public let local: SocketAddress
    public let queue: DispatchQueue
    private let fd: Int32
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var readPaused = true
    private var writeArmed = false
    private var closed = false
    /// What `send` and `sendFile` queued and the kernel has not taken yet, in order.
    private var outbox: [OutgoingSegment] = []
    /// Bytes the kernel has taken so far: lets a caller tell a slow reader from a stuck one.
    public private(set) var bytesSent: UInt64 = 0
    // The handlers hold their owner strongly; `close()` drops them, which ends the cycle.
    private var onData: (([UInt8]) -> Void)?
    private var onClose: (() -> Void)?

    private static let readChunk = 64 * 1024
    /// Largest sendfile(2) per call, so one big file does not hold the queue for long.
    private static let fileChunk = 4 << 20
    private static let targetQueue = DispatchQueue(label: "provisiond.tcp.connections", attributes: .concurrent)

    init(fd: Int32, peer: SocketAddress) {
        self.fd = fd
        self.peer = peer
        local = SocketAddress(boundTo: fd)
        queue = DispatchQueue(label: "provisiond.tcp.connection", target: Self.targetQueue)
        readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        writeSource = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        // The descriptor may be closed only after every source on it is cancelled: cancel the
        // write source first, the read source from its cancel handler, and close from the last.
        let readSource = readSource
        writeSource.setCancelHandler { readSource.cancel() }
        readSource.setCancelHandler { Glibc.close(fd) }
    }

    /// Starts delivering received bytes to `onData`; `onClose` runs once when the connection ends
    /// (peer closed, error, or `close()`).
    public func start(onData: @escaping ([UInt8]) -> Void, onClose: @escaping () -> Void) {
        self.onData = onData
        self.onClose = onClose
        // Strong captures keep the connection alive while its sources can fire; `close()` clears them.
        readSource.setEventHandler { [self] in readAvailable() }
        writeSource.setEventHandler { [self] in flush() }
        resumeReading()
    }

    public func pauseReading() {
        guard !readPaused, !closed else { return }
        readPaused = true
        readSource.suspend()
    }

    public func resumeReading() {
        guard readPaused, !closed else { return }
        readPaused = false
        readSource.resume()
    }

    /// Queues `bytes`; `completion` runs when the kernel has taken all of them (not run if the
    /// connection closes first).
    public func send(_ bytes: [UInt8], completion: (() -> Void)? = nil) {
        guard !closed else { return }
        outbox.append(OutgoingSegment(content: .bytes(bytes, sent: 0), completion: completion))
        flush()
    }

    /// Queues `length` bytes of the open file `file` from `offset`, sent with sendfile(2) so the
    /// file never passes through our memory. The connection owns `file` from now on and closes it.
    public func sendFile(_ file: Int32, offset: Int, length: Int, completion: (() -> Void)? = nil) {
        guard !closed else {
            Glibc.close(file)
            return
        }
        outbox.append(OutgoingSegment(content: .file(file, offset: offset, remaining: length), completion: completion))
        flush()
    }

    public func close() {
        guard !closed else { return }
        closed = true
        for segment in outbox { segment.release() }
        outbox.removeAll()
        // Suspended sources must be resumed before cancellation.
        if readPaused { readSource.resume() }
        if !writeArmed { writeSource.resume() }
        readSource.setEventHandler(handler: nil)
        writeSource.setEventHandler(handler: nil)
        writeSource.cancel()
        let handler = onClose
        onData = nil
        onClose = nil
        handler?()
    }

    /// Answers `bytes` and closes without reading a request: a refusal at the door (503 when a
    /// budget is spent). What the client already sent is read and dropped first, so the close
    /// is a FIN and the client reads the answer instead of a reset (RFC 9112 §9.6: a close with
    /// unread data sends RST, which may discard the response).
    public func refuse(with bytes: [UInt8]) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<16 {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count <= 0 { break }
        }
        writeSource.setEventHandler { [self] in flush() }
        send(bytes) { [self] in close() }
    }

    private func readAvailable() {
        // Received into uninitialized scratch and copied out at its length: a zeroed 64 KiB array
        // per read cost more than the small request it held.
        let (count, bytes) = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.readChunk) { scratch in
            let count = recv(fd, scratch.baseAddress, scratch.count, 0)
            return (count, count > 0 ? Array(scratch[..<count]) : [])
        }
        if count > 0 {
            onData?(bytes)
        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close()
        }
    }

    /// Writes queued segments until the kernel's buffer is full (then waits for the write
    /// source) or everything is sent.
    private func flush() {
        while !closed, !outbox.isEmpty {
            let written = outbox[0].write(to: fd, maxFileChunk: Self.fileChunk)
            switch written {
            case .progress(let count):
                bytesSent += UInt64(count)
                if outbox[0].isDone {
                    let finished = outbox.removeFirst()
                    finished.release()
                    finished.completion?()
                }
            case .wouldBlock:
                if !writeArmed {
                    writeArmed = true
                    writeSource.resume()
                }
                return
            case .failed:
                close()
                return
            }
        }
        if writeArmed, !closed {
            writeArmed = false
            writeSource.suspend()
        }
    }
}
