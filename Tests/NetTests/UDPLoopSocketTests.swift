import Dispatch
import Glibc
import Synchronization
import TestSupport
import Testing

@testable import Net

/// A UDP socket in an event loop's epoll set: handlers run on the loop's thread, level-triggered
/// reads come back for what a handler left, a deadline fires, and a cancelled socket is out of
/// the loop (no handler runs, its port is free once released).
@Suite("UDPLoopSocket: a UDP socket driven by an event loop") struct UDPLoopSocketTests {
    @Test("one datagram read per call: the loop calls again for the rest, on its own thread, in order")
    func levelTriggeredReadsOnTheLoop() throws {
        let loop = EventLoopGroup(count: 1, name: "test-udp-loop").loops[0]
        let receiver = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
        let watched = UDPLoopSocket(socket: receiver, loop: loop)
        let received = Mutex<[UInt8]>([])
        let offLoop = Atomic<Int>(0)
        let started = Atomic<Bool>(false)
        loop.execute {
            var buffer = [UInt8](repeating: 0, count: 8)
            started.store(watched.start(onReadable: {
                if !loop.inLoop { offLoop.add(1, ordering: .relaxed) }
                guard let count = receiver.receive(into: &buffer), count == 1 else { return }
                received.withLock { $0.append(buffer[0]) }
            }, onDeadline: {}), ordering: .relaxed)
        }
        for index in 0..<50 { #expect(sender.send([UInt8(index)], to: receiver.address)) }
        try poll("50 datagrams") { received.withLock { $0.count } == 50 }
        let watching = started.load(ordering: .relaxed)
        #expect(watching)
        #expect(received.withLock { $0 } == Array(0..<50))
        #expect(offLoop.load(ordering: .relaxed) == 0)
        loop.sync { watched.cancel() }
    }

    @Test("a deadline fires on the loop; moving it later first delays it")
    func deadlineFiresOnTheLoop() throws {
        let loop = EventLoopGroup(count: 1, name: "test-udp-loop").loops[0]
        let watched = UDPLoopSocket(socket: try UDPSocket(bind: try SocketAddress("127.0.0.1:0")), loop: loop)
        let firedAt = Atomic<UInt64>(0)
        let firedOnLoop = Atomic<Bool>(false)
        let asked = Atomic<UInt64>(0)
        loop.execute {
            _ = watched.start(onReadable: {}, onDeadline: {
                firedOnLoop.store(loop.inLoop, ordering: .relaxed)
                firedAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            })
            let now = DispatchTime.now().uptimeNanoseconds
            watched.setDeadline(now + 20_000_000)
            // A transfer's ACK moves its timer on: only the later time counts.
            watched.setDeadline(now + 200_000_000)
            asked.store(now + 200_000_000, ordering: .relaxed)
        }
        try poll("the deadline") { firedAt.load(ordering: .relaxed) != 0 }
        let onLoop = firedOnLoop.load(ordering: .relaxed)
        #expect(onLoop)
        #expect(firedAt.load(ordering: .relaxed) >= asked.load(ordering: .relaxed))
        loop.sync { watched.cancel() }
    }

    @Test("cancelled: no handler runs, the loop's load is back, and the port is free once the socket is released")
    func cancelTakesItOutOfTheLoop() throws {
        let loop = EventLoopGroup(count: 1, name: "test-udp-loop").loops[0]
        let address: SocketAddress
        do {
            let socket = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
            address = socket.address
            let watched = UDPLoopSocket(socket: socket, loop: loop)
            let calls = Atomic<Int>(0)
            loop.sync { _ = watched.start(onReadable: { calls.add(1, ordering: .relaxed) }, onDeadline: {}) }
            #expect(loop.load.load(ordering: .relaxed) == 1)
            loop.sync { watched.cancel() }
            #expect(loop.load.load(ordering: .relaxed) == 0)
            let sender = try UDPSocket(bind: try SocketAddress("127.0.0.1:0"))
            #expect(sender.send([1], to: address))
            // Turns of the loop after the datagram arrived: a watched socket would have been called.
            loop.sync {}
            loop.sync {}
            #expect(calls.load(ordering: .relaxed) == 0)
        }
        // The loop keeps no reference: with ours gone, the socket closes.
        try poll("the port free") { UDPReadSourceTests.canBind(address) }
    }
}
