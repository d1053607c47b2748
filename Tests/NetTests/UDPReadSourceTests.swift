import Dispatch
import Glibc
import Synchronization
import TestSupport
import Testing

@testable import Net

@Suite("UDPReadSource: a Dispatch source that drains a socket") struct UDPReadSourceTests {
    @Test("500 datagrams sent before the source exists all reach the handler, in order; each event drains to empty")
    func drainsEverything() throws {
        let receiver = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"), packetInfo: true)
        receiver.setReceiveBuffer(bytes: 4 << 20)
        let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        for index in 0..<500 { #expect(sender.send([UInt8(index >> 8), UInt8(index & 0xFF)], to: receiver.address)) }
        let received = Mutex<[Int]>([])
        let queue = DispatchQueue(label: "test.udp")
        let source = UDPReadSource(socket: receiver, queue: queue) {
            receiver.drain { datagram in
                received.withLock { $0.append(Int(datagram.bytes[0]) << 8 | Int(datagram.bytes[1])) }
                return true
            }
            // Drained: nothing is left for a second look.
            #expect(receiver.receive(wait: false) == nil && errno == EAGAIN)
        }
        try poll("500 datagrams") { received.withLock { $0.count } == 500 }
        #expect(received.withLock { $0 } == Array(0..<500))
        source.cancel()
    }

    @Test("a source suspended with datagrams left in its socket delivers them once resumed")
    func resumeDeliversWhatWaited() throws {
        let receiver = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        for index in 0..<10 { #expect(sender.send([UInt8(index)], to: receiver.address)) }
        let received = Mutex<[UInt8]>([])
        let queue = DispatchQueue(label: "test.udp.suspend")
        let holder = Mutex<UDPReadSource?>(nil)
        // Each event takes one datagram, then suspends the source and resumes it a turn later,
        // as DHCP does while a commit runs.
        let source = UDPReadSource(socket: receiver, queue: queue) {
            receiver.drain { datagram in
                received.withLock { $0.append(datagram.bytes[0]) }
                return false
            }
            guard let source = holder.withLock({ $0 }) else { return }
            source.suspend()
            queue.async { source.resume() }
        }
        queue.sync { holder.withLock { $0 = source } }
        try poll("10 datagrams") { received.withLock { $0.count } == 10 }
        #expect(received.withLock { $0 } == Array(0..<10))
        queue.sync { source.cancel() }
    }

    @Test("receive(into:) reads each datagram into the reused buffer and never blocks on a blocking socket")
    func receiveWithoutWaiting() throws {
        // Left blocking: a receive that waited for a fourth datagram would hang here.
        let receiver = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        for text in ["one", "two", "three"] { #expect(sender.send(Array(text.utf8), to: receiver.address)) }
        #expect(receiver.waitReadable(milliseconds: 5000))
        var buffer = [UInt8](repeating: 0, count: 16)
        var seen: [String] = []
        while let count = receiver.receive(into: &buffer) { seen.append(String(decoding: buffer[..<count], as: UTF8.self)) }
        #expect(seen == ["one", "two", "three"])
        #expect(errno == EAGAIN)
    }

    @Test("a cancelled source closes its socket once nothing else holds it: its port is free again")
    func cancelClosesTheSocket() throws {
        var socket: UDPSocket? = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let address = try #require(socket?.address)
        var source: UDPReadSource? = UDPReadSource(socket: socket!, queue: DispatchQueue(label: "test.udp.cancel")) {}
        socket = nil
        #expect(!Self.canBind(address), "the source keeps the socket open")
        source?.cancel()
        source = nil
        try poll("the port free") { Self.canBind(address) }
    }

    /// Whether a plain socket (no SO_REUSEADDR) can bind `address`: not while another holds it.
    static func canBind(_ address: SocketAddress) -> Bool {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        return address.withSockaddr { bind(fd, $0, $1) } == 0
    }
}
