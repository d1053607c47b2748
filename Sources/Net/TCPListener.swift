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

    public init(address: SocketAddress, backlog: Int32 = 1024, onAccept: @escaping @Sendable (TCPConnection) -> Void) throws(NetError) {
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
        self.address = SocketAddress(boundTo: fd)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.acceptPending(onAccept) }
        source.setCancelHandler { Glibc.close(fd) }
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
            case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                // Out of descriptors: the pending connection stays queued and the source would fire
                // again at once. Back off instead of spinning, and retry when some have closed.
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
}
