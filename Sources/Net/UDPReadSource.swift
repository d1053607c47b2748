import Dispatch

/// A UDP socket watched by a `DispatchSourceRead`: `onReadable` runs on `queue` whenever
/// datagrams wait, and should drain the socket (`UDPSocket.drain`, which never blocks, nor do
/// sends), so the socket's mode is left alone. Its descriptor stays open until the source is
/// cancelled (libdispatch requires a source's descriptor to outlive it).
public final class UDPReadSource: @unchecked Sendable {
    public let socket: UDPSocket
    private let source: DispatchSourceRead
    /// Whether `suspend` holds the source; only ever touched on the source's queue.
    private var suspended = false

    public init(socket: UDPSocket, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void) {
        self.socket = socket
        source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
        source.setEventHandler(handler: onReadable)
        // The cancel handler holds the socket, so it closes only after the source is gone.
        source.setCancelHandler { withExtendedLifetime(socket) {} }
        source.resume()
    }

    /// Stops calling the handler until `resume` (datagrams wait in the socket's buffer). Call on
    /// the source's queue.
    public func suspend() {
        guard !suspended else { return }
        suspended = true
        source.suspend()
    }

    /// Call on the source's queue.
    public func resume() {
        guard suspended else { return }
        suspended = false
        source.resume()
    }

    /// Stops watching; the handler is released (breaking any cycle through it) and runs no more
    /// once the current run, if any, returns. The socket closes when nothing else holds it. Call
    /// on the source's queue when it may be suspended (a suspended source never completes its
    /// cancellation, so it is resumed first).
    public func cancel() {
        source.setEventHandler(handler: nil)
        source.cancel()
        resume()
    }
}
