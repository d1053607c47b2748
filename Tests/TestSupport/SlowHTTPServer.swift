import Foundation
import Glibc

/// A loopback HTTP server that answers one request `delay` seconds after reading its head: a
/// long operation on the server, for how a client waits.
public final class SlowHTTPServer: @unchecked Sendable {
    public let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var received = ""

    /// The request head it read (empty until then).
    public var requestHead: String { lock.withLock { received } }

    public init(delay: Int, body: String = "{\"ok\":true}") throws {
        let socket = try LoopbackSocket()
        guard listen(socket.fd, 1) == 0 else { throw LoopbackSocket.Failed(description: "listen failed: errno \(errno)") }
        fd = socket.fd
        port = socket.port
        let listening = fd
        Thread.detachNewThread { [self] in
            let connection = accept(listening, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            // The request head, to its blank line (the clients here send no body).
            var head: [UInt8] = []
            var byte: UInt8 = 0
            while !head.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)), read(connection, &byte, 1) == 1 { head.append(byte) }
            lock.withLock { received = String(decoding: head, as: UTF8.self) }
            // The slowness under test, not a wait for something.
            sleep(UInt32(delay))
            let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
            // The client may have given up and gone: no SIGPIPE for that.
            _ = send(connection, answer, answer.count, Int32(MSG_NOSIGNAL))
        }
    }

    deinit { close(fd) }
}
