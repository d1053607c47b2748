import Dispatch
import Glibc
import Net
import Synchronization
import TestSupport
import Testing

/// Real sockets on loopback: accept, read, write, close, and bind errors.
@Suite("TCP listener and connections") struct TCPListenerTests {
    /// An echo server: every byte received is sent back.
    private func echoServer(_ address: String) throws -> TCPListener {
        let listener = try TCPListener(address: try SocketAddress(address)) { connection in
            connection.loop.execute {
                connection.start(onData: { bytes in connection.send(bytes) }, onClose: {})
            }
        }
        listener.start()
        return listener
    }

    @Test(arguments: ["127.0.0.1:0", "[::1]:0"])
    func echoesOverManyConnections(address: String) throws {
        let listener = try echoServer(address)
        defer { listener.close() }
        #expect(listener.address.port != 0)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 50) { index in
            let payload = Array("connection \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: 100_000)
            guard let echoed = try? roundTrip(listener.address, payload), echoed == payload else {
                failures.add(1, ordering: .relaxed)
                return
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    @Test func closeRunsOnCloseOnceWhenThePeerHangsUp() throws {
        let closed = Atomic<Int>(0)
        let listener = try TCPListener(address: try SocketAddress("127.0.0.1:0")) { connection in
            connection.loop.execute { connection.start(onData: { _ in }, onClose: { closed.add(1, ordering: .relaxed) }) }
        }
        listener.start()
        defer { listener.close() }
        for _ in 0..<5 {
            let fd = try connectTo(listener.address)
            close(fd)
        }
        // The bound only ends a hang: a loaded machine takes longer.
        #expect(eventually(seconds: 60, every: 0.01) { closed.load(ordering: .relaxed) == 5 })
    }

    @Test func bindingATakenPortSaysSo() throws {
        let listener = try echoServer("127.0.0.1:0")
        defer { listener.close() }
        #expect {
            _ = try TCPListener(address: listener.address) { _ in }
        } throws: { error in
            let text = String(describing: error)
            return text.contains("bind \(listener.address)") && text.contains("another process listens there")
        }
    }
}

/// Connects, sends `payload`, half-closes, and reads until the server has echoed it all.
private func roundTrip(_ address: SocketAddress, _ payload: [UInt8]) throws -> [UInt8] {
    let fd = try connectTo(address)
    defer { close(fd) }
    var received: [UInt8] = []
    var sent = 0
    while sent < payload.count {
        let count = payload.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
        guard count > 0 else { throw TestError("send failed") }
        sent += count
    }
    var chunk = [UInt8](repeating: 0, count: 65536)
    while received.count < payload.count {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw TestError("connection ended after \(received.count) bytes") }
        received += chunk[..<count]
    }
    return received
}

func connectTo(_ address: SocketAddress) throws -> Int32 {
    let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let host = address.hostText
    let result: Int32
    if address.family == AF_INET6 {
        var raw = sockaddr_in6()
        raw.sin6_family = sa_family_t(AF_INET6)
        raw.sin6_port = address.port.bigEndian
        inet_pton(AF_INET6, host, &raw.sin6_addr)
        result = withUnsafePointer(to: &raw) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
    } else {
        var raw = sockaddr_in()
        raw.sin_family = sa_family_t(AF_INET)
        raw.sin_port = address.port.bigEndian
        inet_pton(AF_INET, host, &raw.sin_addr)
        result = withUnsafePointer(to: &raw) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
    guard result == 0 else {
        close(fd)
        throw TestError("connect to \(address) failed: errno \(errno)")
    }
    return fd
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
