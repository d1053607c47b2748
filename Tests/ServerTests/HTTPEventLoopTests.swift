import Dispatch
import Glibc
import Net
@testable import Server
import Synchronization
import TestSupport
import Testing
import Wire

/// `HTTPServer` on one event loop, so every connection shares it: a handler that waits (inline
/// through `EventLoop.blocking`, or on Dispatch) does not stall the loop's other requests,
/// pipelined answers keep their order, and request deadlines fire.
@Suite("HTTP on event loops") struct HTTPEventLoopTests {
    /// Where handlers wait until the test opens it, counting how many wait.
    private final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let waiting = Atomic<Int>(0)

        func wait() {
            waiting.add(1, ordering: .relaxed)
            semaphore.wait()
        }

        func open() { semaphore.signal() }

        func waitUntilWaiting(_ count: Int) -> Bool { eventually(seconds: 60) { waiting.load(ordering: .relaxed) == count } }
    }

    /// A server whose `/wait` handler waits inline for the gate (through `EventLoop.blocking`, as
    /// the inventory's commits do), `/dispatch` waits on Dispatch, and any other path answers its
    /// own path at once.
    private final class Rig: Sendable {
        let gate = Gate()
        let server: HTTPServer

        init(options: HTTPServerOptions = HTTPServerOptions()) throws {
            let gate = gate
            server = try HTTPServer(name: "test", address: try SocketAddress("127.0.0.1:0"), options: options,
                                    log: Logger(component: "http", minimum: .error), group: EventLoopGroup(count: 1, name: "test-http"),
                                    runsOnLoop: { $0.path != "/dispatch" }) { request, _ in
                switch request.path {
                case "/wait": EventLoop.blocking { gate.wait() }
                case "/dispatch": gate.wait()
                default: break
                }
                return HTTPResponse(status: 200, contentType: "text/plain", body: "answer to \(request.path)")
            }
            server.start()
        }

        deinit { server.stop() }
    }

    @Test(arguments: ["/wait", "/dispatch"])
    func aWaitingHandlerDoesNotStallTheLoopsOtherRequests(path: String) throws {
        let rig = try Rig()
        let slow = try Client(port: rig.server.address.port)
        try slow.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(rig.gate.waitUntilWaiting(1))
        for round in 0..<3 {
            let fast = try Client(port: rig.server.address.port)
            try fast.send("GET /fast\(round) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try fast.readToEnd().hasSuffix("answer to /fast\(round)"))
        }
        rig.gate.open()
        let answer = try slow.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.hasSuffix("answer to \(path)"))
    }

    @Test(arguments: ["/wait", "/dispatch"])
    func pipelinedRequestsBehindAWaitingOneAreAnsweredInOrder(path: String) throws {
        let rig = try Rig()
        let client = try Client(port: rig.server.address.port)
        try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"
            + "HEAD /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(rig.gate.waitUntilWaiting(1))
        rig.gate.open()
        let answers = try client.readToEnd()
        let first = try #require(answers.range(of: "answer to \(path)"))
        let second = try #require(answers.range(of: "answer to /second"))
        #expect(first.upperBound <= second.lowerBound)
        #expect(!answers.contains("answer to /third"), "a HEAD has no body")
        #expect(answers.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
    }

    @Test func aHeadThatNeverEndsIsCutOffAtItsDeadline() throws {
        let rig = try Rig(options: HTTPServerOptions(headTimeout: 0.2))
        let client = try Client(port: rig.server.address.port)
        try client.send("GET /fast HTTP/1.1\r\nHost: x")
        let answer = try client.readToEnd()
        #expect(answer.hasPrefix("HTTP/1.1 408 "))
        #expect(answer.contains("request head not completed within 0.2 s"))
    }
}

/// A blocking loopback client; reads are bounded by a 60 s timeout that only ends a hang.
private struct Client {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard LoopbackSocket.connect(fd, port: port) == 0 else { throw ClientError("connect to port \(port): errno \(errno)") }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw ClientError("send: errno \(errno)")
        }
    }

    /// Everything until the server closes; closes our end.
    func readToEnd() throws -> String {
        defer { close(fd) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw ClientError("recv after \(received.count) bytes: errno \(errno)") }
            received += chunk[..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}

private struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
