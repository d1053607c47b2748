import Glibc
import Testing

@testable import Net

@Suite("UDPSocket: receive buffer and drop count") struct UDPSocketTests {
    @Test("a privileged socket gets the receive buffer it asks for, beyond rmem_max (the kernel reports it doubled)")
    func receiveBuffer() throws {
        let socket = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let granted = socket.setReceiveBuffer(bytes: 8 << 20)
        if geteuid() == 0 { #expect(granted == 16 << 20) } else { #expect(granted > 0) }
    }

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
