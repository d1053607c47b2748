import Foundation
import Glibc
import TestSupport

/// A bare TCP client for loopback, to send exactly the bytes a test wants (malformed requests,
/// pipelining, stalls) and read responses framed by Content-Length.
final class RawHTTPClient: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []

    struct Response {
        let status: Int
        let head: String
        let body: String
    }

    /// `source`: a loopback address of 127/8 to connect from (any of them is this host's).
    init(port: UInt16, timeoutSeconds: Int = 10, source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // Bounds connect(2) too: a listener whose accept queue is full would leave it hanging.
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            guard bindIPv4(fd, source) else {
                close(fd)
                throw TestFailure("bind to \(source) failed: errno \(errno)")
            }
        }
        guard LoopbackSocket.connect(fd, port: port) == 0 else {
            close(fd)
            throw TestFailure("connect to 127.0.0.1:\(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw TestFailure("send failed: errno \(errno)") }
            offset += written
        }
    }

    /// The next response, or nil when the server closed the connection first.
    func readResponse() throws -> Response? {
        while true {
            if let end = headEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                    return Int(parts[1].trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                while buffer.count < end + 4 + length {
                    guard try fill() else { throw TestFailure("connection closed inside a response body") }
                }
                let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                buffer.removeFirst(end + 4 + length)
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                return Response(status: status, head: head, body: body)
            }
            guard try fill() else { return nil }
        }
    }

    /// Whether the server has sent something (or closed) that is not read yet; does not wait.
    func hasPendingInput() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return !buffer.isEmpty || count >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// True once the server has closed the connection (reads return end of file).
    func isClosedByServer() throws -> Bool {
        try !fill() && buffer.isEmpty
    }

    private func headEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Reads more bytes; false on end of file.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer += chunk[..<count]
            return true
        }
        if count == 0 || errno == ECONNRESET { return false }
        throw TestFailure("recv failed: errno \(errno) (timeout?)")
    }
}

/// Binds `fd` to `host` (IPv4 text), port chosen by the kernel.
func bindIPv4(_ fd: Int32, _ host: String) -> Bool {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr(host)
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
