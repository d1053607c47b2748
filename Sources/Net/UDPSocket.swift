import Glibc

/// An IPv4 UDP socket. Receiving reports which of our addresses a datagram was sent to
/// (IP_PKTINFO), so a reply can come from that same address and interface.
public final class UDPSocket: @unchecked Sendable {
    public let fd: Int32
    /// The bound address, with the port the kernel chose when 0 was asked for.
    public let address: SocketAddress

    /// One received datagram.
    public struct Datagram: Sendable {
        public let bytes: [UInt8]
        public let source: SocketAddress
        /// Our address that received it (IP_PKTINFO's ipi_spec_dst: for a broadcast, the
        /// interface's own address), when the kernel reported it.
        public let local: SocketAddress.Host?
        /// The interface it arrived on, when the kernel reported it.
        public let interfaceIndex: Int32?
        /// How many datagrams the kernel has dropped on this socket for want of buffer space,
        /// since it was opened (SO_RXQ_OVFL, when `countDrops` turned it on).
        public let kernelDrops: UInt32?
    }

    /// Receive space, reused: one queue at a time receives from a socket (DHCP's, TFTP's
    /// listener's), so a datagram costs one allocation of its own size, not 64 KiB zeroed.
    private var scratch: [UInt8] = []
    private var control = [UInt8](repeating: 0, count: 128)

    /// `shared`: other sockets asking the same may bind this address too (SO_REUSEADDR): for a
    /// well-known port that another program on the host may need as well, on the wildcard
    /// address (DHCP's, where servers on other interfaces bind it too; the doctor's probe on 68,
    /// beside the host's own dhclient). Otherwise the port is this socket's alone: a second
    /// provisiond or another TFTP server binding it gets EADDRINUSE, where sharing it would have
    /// let it take requests meant for the first without an error (as SO_REUSEPORT would on TCP,
    /// `TCPListener`). A port the kernel picks (port 0) is never shared: for UDP that pick skips
    /// only ports held by sockets without SO_REUSEADDR (udp_lib_lport_inuse), so a TFTP
    /// transfer's socket could get the listener's own port, and with it a client's next request.
    public init(bind address: SocketAddress, shared: Bool = false, broadcast: Bool = false, packetInfo: Bool = false,
                device: String? = nil) throws(NetError) {
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetError("socket", address: address.description) }
        var yes: Int32 = 1
        if shared, address.port != 0 { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size)) }
        if broadcast { setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &yes, socklen_t(MemoryLayout<Int32>.size)) }
        if packetInfo { setsockopt(fd, Int32(IPPROTO_IP), IP_PKTINFO, &yes, socklen_t(MemoryLayout<Int32>.size)) }
        if let device {
            let bound = device.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
            guard bound == 0 else {
                let error = NetError("bind to device \(device) for", address: address.description)
                close(fd)
                throw error
            }
        }
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = NetError("bind", address: address.description)
            close(fd)
            throw error
        }
        self.fd = fd
        self.address = SocketAddress(boundTo: fd)
    }

    deinit { close(fd) }

    /// Only datagrams from `peer` are received from now on, and `send` goes there.
    public func connect(to peer: SocketAddress) throws(NetError) {
        guard peer.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else { throw NetError("connect", address: peer.description) }
    }

    /// Asks for a receive buffer of `bytes` (SO_RCVBUFFORCE when privileged, which passes
    /// `net.core.rmem_max`; else SO_RCVBUF, capped by it); returns what the kernel granted (it
    /// doubles the request for its bookkeeping, socket(7)).
    @discardableResult
    public func setReceiveBuffer(bytes: Int) -> Int {
        var size = Int32(clamping: bytes)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var granted: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        return Int(granted)
    }

    /// Has every received datagram carry the socket's drop count (SO_RXQ_OVFL, socket(7)).
    public func countDrops() {
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &yes, socklen_t(MemoryLayout<Int32>.size))
    }

    public func setNonBlocking() {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Waits up to `milliseconds` for a datagram; true when one can be read.
    public func waitReadable(milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, milliseconds) > 0
    }

    /// Every send: never blocks, whatever the socket's mode (sockets are left blocking, and a
    /// full send buffer must not stall the queue or event loop sending: the datagram is lost
    /// instead, and the protocol's retransmission covers it, as for one lost on the wire), and
    /// never raises SIGPIPE.
    private static let sendFlags = Int32(MSG_NOSIGNAL | MSG_DONTWAIT)

    /// Sends one datagram to the connected peer.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Self.sendFlags) } == bytes.count
    }

    /// Sends one datagram from a buffer to the connected peer.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) -> Bool {
        Glibc.send(fd, bytes.baseAddress, bytes.count, Self.sendFlags) == bytes.count
    }

    @discardableResult
    public func send(_ bytes: [UInt8], to destination: SocketAddress) -> Bool {
        destination.withSockaddr { address, length in
            bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Self.sendFlags, address, length) }
        } == bytes.count
    }

    /// Reads one datagram from the connected peer into `buffer` (reused by the caller, so a
    /// busy transfer allocates nothing per packet); its length, or nil if none waits. Never
    /// blocks, whatever the socket's mode. An ICMP port-unreachable reported on a connected
    /// socket (ECONNREFUSED, udp(7): consumed by the receive that returns it) and a signal
    /// (EINTR) are not the end of what waits: the receive is tried again.
    public func receive(into buffer: inout [UInt8]) -> Int? {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { return count }
            guard Self.receiveMayContinue() else { return nil }
        }
    }

    /// Reads every datagram waiting on this socket, calling `body` with each, until the socket is
    /// empty or `body` returns false. Never blocks, whatever the socket's mode.
    public func drain(_ body: (Datagram) -> Bool) {
        while true {
            guard let datagram = receive(wait: false) else {
                if Self.receiveMayContinue() { continue }
                return
            }
            guard body(datagram) else { return }
        }
    }

    /// After a failed receive: whether more datagrams may still wait. ECONNREFUSED is a
    /// connected socket's report of an ICMP port-unreachable (udp(7)), consumed by the receive
    /// that returned it; EINTR is a signal. EAGAIN means empty; anything else ends the drain too.
    private static func receiveMayContinue() -> Bool { errno == ECONNREFUSED || errno == EINTR }

    /// Sends one datagram out of interface `interfaceIndex` from source address `source`
    /// (IP_PKTINFO on sendmsg), so a broadcast leaves by the interface its request came in on.
    @discardableResult
    public func send(_ bytes: [UInt8], to destination: SocketAddress, interfaceIndex: Int32, source: SocketAddress.Host?) -> Bool {
        var info = in_pktinfo()
        info.ipi_ifindex = interfaceIndex
        if case .v4(let raw)? = source { info.ipi_spec_dst = in_addr(s_addr: raw) }
        let control = PacketInfo.control(info)
        var vector = iovec()
        return destination.withSockaddr { address, length in
            bytes.withUnsafeBytes { data in
                control.withUnsafeBytes { controlBytes in
                    withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        vectorPointer.pointee = iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(mutating: address)
                        message.msg_namelen = length
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = UnsafeMutableRawPointer(mutating: controlBytes.baseAddress)
                        message.msg_controllen = controlBytes.count
                        return sendmsg(fd, &message, Self.sendFlags)
                    }
                }
            }
        } == bytes.count
    }

    /// Reads one datagram (up to `capacity` bytes; longer ones are cut and reported as such by
    /// the caller's decoder), or nil when none could be read: `wait: false` never blocks
    /// (MSG_DONTWAIT), `wait: true` blocks as the socket's mode says.
    public func receive(capacity: Int = 65536, wait: Bool = true) -> Datagram? {
        if scratch.count != capacity { scratch = [UInt8](repeating: 0, count: capacity) }
        var source = sockaddr_storage()
        var vector = iovec()
        var message = msghdr()
        let count: Int = scratch.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &source) { sourcePointer in
                    withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        vectorPointer.pointee = iovec(iov_base: data.baseAddress, iov_len: data.count)
                        message.msg_name = UnsafeMutableRawPointer(sourcePointer)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = controlBytes.count
                        return recvmsg(fd, &message, wait ? 0 : Int32(MSG_DONTWAIT))
                    }
                }
            }
        }
        guard count >= 0 else { return nil }
        let info = PacketInfo.parse(control, length: Int(message.msg_controllen))
        return Datagram(bytes: Array(scratch[..<count]), source: SocketAddress(storage: source), local: info.local,
                        interfaceIndex: info.interfaceIndex, kernelDrops: info.drops)
    }
}

/// Reads IP_PKTINFO and SO_RXQ_OVFL from recvmsg's control data. The CMSG_* macros are not
/// importable into Swift, so the layout is walked by hand: `struct cmsghdr { size_t len; int
/// level; int type; }` followed by data aligned to `size_t` (glibc's CMSG_ALIGN).
enum PacketInfo {
    struct Parsed {
        var local: SocketAddress.Host?
        var interfaceIndex: Int32?
        var drops: UInt32?
    }

    static func parse(_ control: [UInt8], length: Int) -> Parsed {
        let align = MemoryLayout<Int>.size
        let headerSize = (MemoryLayout<cmsghdr>.size + align - 1) & ~(align - 1)
        var parsed = Parsed()
        var offset = 0
        while offset + headerSize <= min(length, control.count) {
            let header = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self) }
            let entryLength = Int(header.cmsg_len)
            guard entryLength >= headerSize, offset + entryLength <= control.count else { return parsed }
            if header.cmsg_level == Int32(IPPROTO_IP), header.cmsg_type == Int32(IP_PKTINFO),
               entryLength - headerSize >= MemoryLayout<in_pktinfo>.size {
                let info = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + headerSize, as: in_pktinfo.self) }
                (parsed.local, parsed.interfaceIndex) = (.v4(info.ipi_spec_dst.s_addr), info.ipi_ifindex)
            } else if header.cmsg_level == SOL_SOCKET, header.cmsg_type == SO_RXQ_OVFL, entryLength - headerSize >= 4 {
                parsed.drops = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + headerSize, as: UInt32.self) }
            }
            offset += (entryLength + align - 1) & ~(align - 1)
        }
        return parsed
    }

    /// Control data carrying one IP_PKTINFO, laid out as CMSG_SPACE(sizeof(in_pktinfo)).
    static func control(_ info: in_pktinfo) -> [UInt8] {
        let align = MemoryLayout<Int>.size
        let headerSize = (MemoryLayout<cmsghdr>.size + align - 1) & ~(align - 1)
        let dataSize = (MemoryLayout<in_pktinfo>.size + align - 1) & ~(align - 1)
        var bytes = [UInt8](repeating: 0, count: headerSize + dataSize)
        var header = cmsghdr()
        header.cmsg_len = headerSize + MemoryLayout<in_pktinfo>.size
        header.cmsg_level = Int32(IPPROTO_IP)
        header.cmsg_type = Int32(IP_PKTINFO)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: header, toByteOffset: 0, as: cmsghdr.self)
            raw.storeBytes(of: info, toByteOffset: headerSize, as: in_pktinfo.self)
        }
        return bytes
    }
}
