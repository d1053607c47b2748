import Glibc
import Testing

@testable import Net

@Suite("UDPSocket: ports, receive buffer and drop count") struct UDPSocketTests {
    @Test("a privileged socket gets the receive buffer it asks for, beyond rmem_max (the kernel reports it doubled)")
    func receiveBuffer() throws {
        let socket = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let granted = socket.setReceiveBuffer(bytes: 8 << 20)
        if geteuid() == 0 { #expect(granted == 16 << 20) } else { #expect(granted > 0) }
    }

    @Test("a port the kernel picked is the socket's alone: a socket with SO_REUSEADDR cannot bind it too")
    func pickedPortIsNotShared() throws {
        let picked = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        // The kernel's own pick for a port-0 bind skips exactly the ports such a bind would be refused.
        #expect(Self.bindsWithReuse(picked.address.port) == EADDRINUSE)
    }

    @Test("a server's named port is its alone: a second bind fails, saying another process listens there")
    func namedPortIsNotShared() throws {
        let server = try UDPSocket(bind: SocketAddress("127.0.0.1:\(try Self.freePort())"))
        #expect(Self.bindsWithReuse(server.address.port) == EADDRINUSE)
        let error = #expect(throws: NetError.self) { try UDPSocket(bind: server.address) }
        #expect(error?.errno == EADDRINUSE && error?.description.contains("another process listens there") == true)
    }

    @Test("a shared port (the doctor's DHCP probe on 68, beside the host's dhclient) binds beside another that shares it")
    func sharedPortIsShared() throws {
        let first = try UDPSocket(bind: SocketAddress("127.0.0.1:\(try Self.freePort())"), shared: true)
        #expect(Self.bindsWithReuse(first.address.port) == 0)
        _ = try UDPSocket(bind: first.address, shared: true)
    }

    /// errno of binding a fresh SO_REUSEADDR socket to 127.0.0.1:`port` (0: it bound).
    static func bindsWithReuse(_ port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = (try? SocketAddress("127.0.0.1:\(port)"))?.withSockaddr { bind(fd, $0, $1) }
        return bound == 0 ? 0 : errno
    }

    /// A port nothing holds now.
    static func freePort() throws -> UInt16 { try UDPSocket(bind: try SocketAddress("127.0.0.1:0")).address.port }

    @Test("SO_RXQ_OVFL's count is read from the control data beside IP_PKTINFO")
    func dropCount() {
        let align = MemoryLayout<Int>.size
        let header = (MemoryLayout<cmsghdr>.size + align - 1) & ~(align - 1)
        var control = [UInt8](repeating: 0, count: 128)
        // One SO_RXQ_OVFL entry: cmsghdr then a 32-bit count.
        var entry = cmsghdr()
        entry.cmsg_len = header + 4
        entry.cmsg_level = SOL_SOCKET
        entry.cmsg_type = SO_RXQ_OVFL
        withUnsafeBytes(of: entry) { control.replaceSubrange(0..<$0.count, with: $0) }
        withUnsafeBytes(of: UInt32(1234)) { control.replaceSubrange(header..<header + 4, with: $0) }
        let parsed = PacketInfo.parse(control, length: header + 4)
        #expect(parsed.drops == 1234)
        #expect(parsed.local == nil && parsed.interfaceIndex == nil)
    }

    @Test("a socket counting drops reports how many the kernel dropped (none reported while none were)")
    func dropCountOnTheWire() throws {
        let receiver = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"), packetInfo: true)
        receiver.countDrops()
        receiver.setReceiveBuffer(bytes: 1)
        receiver.setNonBlocking()
        let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        #expect(sender.send([0], to: receiver.address))
        #expect(receiver.waitReadable(milliseconds: 5000))
        #expect(try #require(receiver.receive()).kernelDrops == nil)
        // The smallest buffer holds a few datagrams; the rest of a hundred unread ones are dropped.
        // A datagram carries the count as it stood when it was queued: read what the buffer held,
        // then one sent after the drops.
        for index in 1...100 { sender.send([UInt8(index)], to: receiver.address) }
        #expect(receiver.waitReadable(milliseconds: 5000))
        while receiver.receive() != nil {}
        #expect(sender.send([255], to: receiver.address))
        #expect(receiver.waitReadable(milliseconds: 5000))
        let datagram = try #require(receiver.receive())
        #expect(datagram.bytes == [255])
        #expect((datagram.kernelDrops ?? 0) >= 50, "dropped: \(datagram.kernelDrops.map(String.init) ?? "none reported")")
    }
}
