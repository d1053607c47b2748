import Foundation
import Dispatch
import Glibc
@testable import Net
import Synchronization
import TestSupport
import Testing

/// The event loops with real sockets on loopback: a write the kernel cannot take at once resumes
/// on EPOLLOUT, a file goes out corked, connections spread over the loops, a handler that blocks
/// does not stall its loop's other connections, and deadlines fire.
@Suite("Event loops") struct EventLoopTests {
    /// A listener on its own loops whose connections run `serve` on their loop once started.
    private func listen(loops: Int, _ serve: @escaping @Sendable (TCPConnection) -> Void) throws -> TCPListener {
        let listener = try TCPListener(address: try SocketAddress("127.0.0.1:0"), group: EventLoopGroup(count: loops, name: "test-loop")) { connection in
            connection.loop.execute { serve(connection) }
        }
        listener.start()
        return listener
    }

    @Test func anAnswerTheKernelCannotTakeAtOnceIsFinishedOnEPOLLOUT() throws {
        // Larger than loopback's socket buffers on both ends, so the first send stops part way.
        let payload = (0..<(24 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let partial = Atomic<Bool>(false)
        let completed = Atomic<Bool>(false)
        let listener = try listen(loops: 1) { connection in
            connection.start(onData: { _ in }, onClose: {})
            connection.send(payload) { completed.store(true, ordering: .relaxed) }
            partial.store(connection.bytesSent < UInt64(payload.count), ordering: .relaxed)
        }
        defer { listener.close() }
        let fd = try connectTo(listener.address)
        defer { close(fd) }
        var received: [UInt8] = []
        received.reserveCapacity(payload.count)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while received.count < payload.count {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        let wasPartial = partial.load(ordering: .relaxed)
        #expect(wasPartial, "the kernel took all \(payload.count) bytes at once: nothing tested")
        #expect(received.count == payload.count)
        #expect(received == payload)
        #expect(eventually(seconds: 60) { completed.load(ordering: .relaxed) })
    }

    @Test func aFileGoesOutCorkedAndTheSocketIsUncorkedOnceItIsSent() throws {
        // An odd size (its last segment a partial one), larger than loopback's buffers on both ends,
        // so the file is still going out when `sendFile` returns.
        let payload = (0..<((24 << 20) + 7)).map { UInt8(truncatingIfNeeded: $0 % 253) }
        let path = "/tmp/provisiond-cork-\(getpid())"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(payload)))
        defer { unlink(path) }
        let corkedWhileSending = Atomic<Int32>(-1)
        let corkedWhenSent = Atomic<Int32>(-1)
        let listener = try listen(loops: 1) { connection in
            connection.start(onData: { _ in }, onClose: {})
            let file = open(path, O_RDONLY)
            connection.sendFile(file, offset: 0, length: payload.count) { corkedWhenSent.store(cork(connection.fd), ordering: .relaxed) }
            corkedWhileSending.store(cork(connection.fd), ordering: .relaxed)
        }
        defer { listener.close() }
        let fd = try connectTo(listener.address)
        defer { close(fd) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while received.count < payload.count {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        #expect(received == payload)
        #expect(corkedWhileSending.load(ordering: .relaxed) == 1, "the file was not sent corked")
        #expect(eventually(seconds: 60) { corkedWhenSent.load(ordering: .relaxed) == 0 }, "still corked after the file: \(corkedWhenSent.load(ordering: .relaxed))")
    }

    @Test func connectionsOpenedAtOnceSpreadEvenlyOverTheLoops() throws {
        let group = EventLoopGroup(count: 2, name: "test-loop")
        let listener = try TCPListener(address: try SocketAddress("127.0.0.1:0"), group: group) { connection in
            connection.loop.execute { connection.start(onData: { bytes in connection.send(bytes) }, onClose: {}) }
        }
        listener.start()
        defer { listener.close() }
        let clients = try (0..<40).map { _ in try connectTo(listener.address) }
        defer { clients.forEach { close($0) } }
        for (index, fd) in clients.enumerated() {
            #expect(try exchange(fd, "client \(index)") == "client \(index)")
        }
        let loads = group.loops.map { $0.load.load(ordering: .relaxed) }
        #expect(loads.reduce(0, +) == 40)
        #expect(abs(loads[0] - loads[1]) <= 1, "loads \(loads)")
    }

    @Test func aHandlerThatBlocksGivesItsLoopAwayAndItsAnswerComesBack() throws {
        let gate = DispatchSemaphore(value: 0)
        let blocked = Atomic<Bool>(false)
        // One loop: the connection that is answered meanwhile shares it with the blocked one.
        let listener = try listen(loops: 1) { connection in
            connection.start(onData: { bytes in
                guard bytes == Array("block".utf8) else { return connection.send(bytes) }
                let answer = connection.handle {
                    EventLoop.blocking {
                        blocked.store(true, ordering: .relaxed)
                        gate.wait()
                        return Array("released".utf8)
                    }
                }
                connection.loop.execute {
                    connection.unpark()
                    connection.send(answer)
                }
            }, onClose: {})
        }
        defer { listener.close() }
        let waiting = try connectTo(listener.address)
        defer { close(waiting) }
        #expect(send(waiting, "block", 5, 0) == 5)
        #expect(eventually(seconds: 60) { blocked.load(ordering: .relaxed) })
        let other = try connectTo(listener.address)
        defer { close(other) }
        for round in 0..<3 { #expect(try exchange(other, "ping \(round)") == "ping \(round)") }
        gate.signal()
        #expect(try receive(waiting, count: 8) == "released")
        // Back on its loop, the connection serves the next bytes inline again.
        #expect(try exchange(waiting, "again") == "again")
    }

    @Test func pastItsWaitersLimitALoopWaitsOnItsOwnThreadInsteadOfStartingAnother() throws {
        let gate = DispatchSemaphore(value: 0)
        let started = Atomic<Int>(0)
        let waitingAway = Atomic<Int>(0)
        let mostWaitingAway = Atomic<Int>(0)
        let waitedOnLoop = Atomic<Int>(0)
        let group = EventLoopGroup(count: 1, name: "test-loop", waitersLimit: 2)
        let listener = try TCPListener(address: try SocketAddress("127.0.0.1:0"), group: group) { connection in
            connection.loop.execute {
                connection.start(onData: { _ in
                    let answer = connection.handle {
                        EventLoop.blocking {
                            started.add(1, ordering: .relaxed)
                            if connection.loop.inLoop {
                                waitedOnLoop.add(1, ordering: .relaxed)
                                gate.wait()
                            } else {
                                let now = waitingAway.add(1, ordering: .relaxed).newValue
                                mostWaitingAway.max(now, ordering: .relaxed)
                                gate.wait()
                                waitingAway.subtract(1, ordering: .relaxed)
                            }
                            return Array("released".utf8)
                        }
                    }
                    let finish: @Sendable () -> Void = {
                        connection.unpark()
                        connection.send(answer)
                    }
                    if connection.loop.inLoop { finish() } else { connection.loop.execute(finish) }
                }, onClose: {})
            }
        }
        listener.start()
        defer { listener.close() }
        let clients = try (0..<4).map { _ in try connectTo(listener.address) }
        defer { clients.forEach { close($0) } }
        for fd in clients { #expect(send(fd, "block", 5, 0) == 5) }
        // Two threads take the loop away to wait; the third wait holds the loop's own thread,
        // so the fourth request is read only once that wait ends.
        #expect(eventually(seconds: 60) { started.load(ordering: .relaxed) >= 3 })
        for _ in clients { gate.signal() }
        for fd in clients { #expect(try receive(fd, count: 8) == "released") }
        #expect(mostWaitingAway.load(ordering: .relaxed) == 2)
        #expect(waitedOnLoop.load(ordering: .relaxed) >= 1)
    }

    @Test func aDeadlineRunsOnItsLoop() throws {
        let fired = Atomic<Bool>(false)
        let listener = try listen(loops: 1) { connection in
            connection.start(onData: { _ in }, onDeadline: {
                fired.store(connection.loop.inLoop, ordering: .relaxed)
                connection.close()
            }, onClose: {})
            connection.setDeadline(DispatchTime.now().uptimeNanoseconds + 50_000_000)
        }
        defer { listener.close() }
        let fd = try connectTo(listener.address)
        defer { close(fd) }
        var byte: UInt8 = 0
        // The server closes at its deadline: the read ends (the socket's 10 s timeout only ends a hang).
        #expect(recv(fd, &byte, 1, 0) == 0)
        let firedOnLoop = fired.load(ordering: .relaxed)
        #expect(firedOnLoop)
    }
}

/// The socket's TCP_CORK setting (1 corked, 0 not), or -1 when it cannot be read.
private func cork(_ fd: Int32) -> Int32 {
    var value: Int32 = -1
    var length = socklen_t(MemoryLayout<Int32>.size)
    return getsockopt(fd, Int32(IPPROTO_TCP), TCP_CORK, &value, &length) == 0 ? value : -1
}

/// Sends `text` and reads back as many bytes.
private func exchange(_ fd: Int32, _ text: String) throws -> String {
    let bytes = Array(text.utf8)
    guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw TestError("send failed") }
    return try receive(fd, count: bytes.count)
}

private func receive(_ fd: Int32, count: Int) throws -> String {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while received.count < count {
        let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, count - received.count), 0) }
        guard got > 0 else { throw TestError("connection ended after \(received.count) bytes") }
        received += chunk[..<got]
    }
    return String(decoding: received, as: UTF8.self)
}
