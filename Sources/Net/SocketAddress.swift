import Glibc

/// An IPv4 or IPv6 socket address parsed from `HOST:PORT` or `[V6HOST]:PORT`.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Host: Sendable, Equatable {
        case v4(in_addr_t)
        case v6([UInt8])
    }

    public let host: Host
    public let port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(_ text: String) throws(SocketAddressError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw SocketAddressError(input: text)
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw SocketAddressError(input: text) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !portPart.isEmpty, portPart.allSatisfy(\.isASCII), let port = UInt16(portPart) else { throw SocketAddressError(input: text) }
        self.port = port
        var v4 = in_addr()
        var v6 = in6_addr()
        let name = hostPart == "localhost" ? "127.0.0.1" : String(hostPart)
        if !text.hasPrefix("["), inet_pton(AF_INET, name, &v4) == 1 {
            host = .v4(v4.s_addr)
        } else if text.hasPrefix("["), inet_pton(AF_INET6, name, &v6) == 1 {
            host = .v6(withUnsafeBytes(of: v6) { Array($0) })
        } else {
            throw SocketAddressError(input: text)
        }
    }

    /// The local address of a socket (getsockname).
    init(boundTo fd: Int32) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.init(storage: storage)
    }

    init(storage: sockaddr_storage) {
        var storage = storage
        if Int32(storage.ss_family) == AF_INET6 {
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            host = .v6(withUnsafeBytes(of: address.sin6_addr) { Array($0) })
            port = UInt16(bigEndian: address.sin6_port)
        } else {
            let address = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
            host = .v4(address.sin_addr.s_addr)
            port = UInt16(bigEndian: address.sin_port)
        }
    }

    public var family: Int32 {
        switch host {
        case .v4: AF_INET
        case .v6: AF_INET6
        }
    }

    /// The host part as text, e.g. `127.0.0.1` or `::1`.
    public var hostText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch host {
        case .v4(let raw):
            var address = in_addr(s_addr: raw)
            inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
        case .v6(let bytes):
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        }
        return String(cString: buffer)
    }

    public var description: String {
        if case .v6 = host { return "[\(hostText)]:\(port)" }
        return "\(hostText):\(port)"
    }

    /// Calls `body` with this address as a `sockaddr` pointer and its length.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        switch host {
        case .v4(let raw):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr = in_addr(s_addr: raw)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .v6(let bytes):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }
}

public struct SocketAddressError: Error, Equatable, CustomStringConvertible, Sendable {
    public let input: String
    public var description: String { "invalid listen address \"\(input)\": expected HOST:PORT like 0.0.0.0:8080 or [::]:8080" }
}
