import Glibc

/// A TCP socket bound to a free port of 127.0.0.1 (bind to port 0, then getsockname); the caller
/// owns `fd` and closes it.
public struct LoopbackSocket {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public let fd: Int32
    public let port: UInt16

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound else {
            let reason = errno
            if fd >= 0 { close(fd) }
            throw Failed(description: "cannot bind a port of 127.0.0.1: errno \(reason)")
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// connect(2)s the TCP socket `fd` to 127.0.0.1:`port`; connect's result (errno is set on -1).
    public static func connect(_ fd: Int32, port: UInt16) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}
