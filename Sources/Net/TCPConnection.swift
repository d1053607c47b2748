import Dispatch
import Glibc

/// An accepted, non-blocking TCP connection driven by Dispatch sources on its own serial queue.
/// Every callback runs on `queue`, and every method must be called there.
public final class TCPConnection: @unchecked Sendable {
    public let peer: SocketAddress
    public let queue: DispatchQueue
    private let fd: Int32
    private let readSource: DispatchSourceRead
    private let writeSource: DispatchSourceWrite
    private var readPaused = true
    private var writeArmed = false
    private var closed = false
    /// Bytes handed to `send` that the kernel has not taken yet.
    private var outbox: [UInt8] = []
    private var outboxOffset = 0
    private var whenFlushed: [() -> Void] = []
    // The handlers hold their owner strongly; `close()` drops them, which ends the cycle.
    private var onData: (([UInt8]) -> Void)?
    private var onClose: (() -> Void)?

    private static let readChunk = 64 * 1024
    private static let targetQueue = DispatchQueue(label: "provisiond.tcp.connections", attributes: .concurrent)

    init(fd: Int32, peer: SocketAddress) {
        self.fd = fd
        self.peer = peer
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

    /// Queues `bytes` for sending; `completion` runs when the kernel has taken all of them (not
    /// run if the connection closes first).
    public func send(_ bytes: [UInt8], completion: (() -> Void)? = nil) {
        guard !closed else { return }
        outbox.append(contentsOf: bytes)
        if let completion { whenFlushed.append(completion) }
        flush()
    }

    /// Bytes queued but not yet taken by the kernel.
    public var pendingOutput: Int { outbox.count - outboxOffset }

    public func close() {
        guard !closed else { return }
        closed = true
        whenFlushed.removeAll()
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

    private func readAvailable() {
        var buffer = [UInt8](repeating: 0, count: Self.readChunk)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.removeSubrange(count...)
            onData?(buffer)
        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close()
        }
    }

    private func flush() {
        while outboxOffset < outbox.count {
            let written = outbox.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + outboxOffset, $0.count - outboxOffset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outboxOffset += written
            } else if written < 0, errno == EINTR {
                continue
            } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                if !writeArmed {
                    writeArmed = true
                    writeSource.resume()
                }
                return
            } else {
                close()
                return
            }
        }
        outbox.removeAll(keepingCapacity: outbox.capacity <= 1 << 20)
        outboxOffset = 0
        if writeArmed {
            writeArmed = false
            writeSource.suspend()
        }
        let completions = whenFlushed
        whenFlushed.removeAll()
        for completion in completions { completion() }
    }
}
