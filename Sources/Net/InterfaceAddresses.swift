import Glibc

/// This host's interface addresses (getifaddrs(3)).
public enum InterfaceAddresses {
    /// The first IPv4 address of an interface that is up and not loopback (of `interface` only,
    /// when given), as text.
    public static func firstNonLoopbackIPv4(interface: String? = nil) -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var entry: UnsafeMutablePointer<ifaddrs>? = first
        while let current = entry {
            defer { entry = current.pointee.ifa_next }
            let flags = Int32(current.pointee.ifa_flags)
            guard flags & Int32(IFF_UP) != 0, flags & Int32(IFF_LOOPBACK) == 0,
                  let address = current.pointee.ifa_addr, Int32(address.pointee.sa_family) == AF_INET,
                  interface == nil || String(cString: current.pointee.ifa_name) == interface
            else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: MemoryLayout<sockaddr_in>.size)) }
            return SocketAddress(storage: storage).hostText
        }
        return nil
    }
}
