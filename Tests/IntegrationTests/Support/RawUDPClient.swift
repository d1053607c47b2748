import Glibc

/// A bare UDP socket on loopback, for TFTP conversations no real client would have.
final class RawUDPClient: @unchecked Sendable {
    private let fd: Int32
    /// The port the last datagram came from (a TFTP transfer's own port).
    private(set) var lastSourcePort: UInt16 = 0

    /// `source`: a loopback address of 127/8 to send from; `timeoutSeconds`: how long `receive`
    /// waits.
    init(source: String? = nil, timeoutSeconds: Int = 5) throws {
        // Close-on-exec, so programs other tests start do not inherit it.
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source, !bindIPv4(fd, source) {
            close(fd)
            throw TestFailure("bind to \(source) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// The port it is bound to (the kernel's pick before its first send when none was bound).
    var port: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return UInt16(bigEndian: address.sin_port)
    }

    func send(_ bytes: [UInt8], port: UInt16) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard sent == bytes.count else { throw TestFailure("sendto failed: errno \(errno)") }
    }

    /// The next datagram, or nil after the timeout (or at once with `wait: false` if none is queued).
    func receive(wait: Bool = true) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var source = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = withUnsafeMutablePointer(to: &source) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { from in
                buffer.withUnsafeMutableBytes { recvfrom(fd, $0.baseAddress, $0.count, wait ? 0 : Int32(MSG_DONTWAIT), from, &length) }
            }
        }
        guard count >= 0 else { return nil }
        lastSourcePort = UInt16(bigEndian: source.sin_port)
        return Array(buffer[..<count])
    }
}
