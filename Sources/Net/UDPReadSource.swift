import Dispatch

/// A UDP socket watched by a `DispatchSourceRead`: `onReadable` runs on `queue` whenever
/// datagrams wait, and should drain the socket (`UDPSocket.drain`). The socket is made
/// non-blocking, and its descriptor stays open until the source is cancelled (libdispatch
/// requires a source's descriptor to outlive it).
public final class UDPReadSource: @unchecked Sendable {
    public let socket: UDPSocket
    private let source: DispatchSourceRead

    public init(socket: UDPSocket, queue: DispatchQueue, onReadable: @escaping @Sendable () -> Void) {
        socket.setNonBlocking()
        self.socket = socket
        source = DispatchSource.makeReadSource(fileDescriptor: socket.fd, queue: queue)
        source.setEventHandler(handler: onReadable)
        // The cancel handler holds the socket, so it closes only after the source is gone.
        source.setCancelHandler { withExtendedLifetime(socket) {} }
        source.resume()
    }

    /// Stops watching; the handler is released (breaking any cycle through it) and runs no more
    /// once the current run, if any, returns. The socket closes when nothing else holds it.
    public func cancel() {
        source.setEventHandler(handler: nil)
        source.cancel()
    }
}
