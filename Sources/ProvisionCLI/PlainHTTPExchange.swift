import Foundation
import Glibc
import Wire

/// One request to an `http://` server over a connection of its own (`Connection: close`), every
/// wait a poll(2) bounded by the deadline. provisionctl talks plain HTTP to provisiond's admin
/// listener this way rather than through Foundation's URLSession, which on Linux re-arms a write
/// watch on the socket all the while it waits for an answer: a core kept busy for the whole wait
/// (14 s of system time in a 20 s wait, measured), and a template rollout waits minutes.
enum PlainHTTPExchange {
    /// Why no answer came.
    enum Failure: Error, Equatable {
        case timedOut
        case failed(String)
    }

    static func perform(method: String, url: URL, headers: [(String, String)], body: Data?, timeout: TimeInterval) -> Result<(Int, Data), Failure> {
        let deadline = Date().addingTimeInterval(timeout)
        guard let host = url.host, !host.isEmpty else { return .failure(.failed("no host in \(url.absoluteString)")) }
        let port = url.port ?? 80
        let connection: Int32
        switch connect(host: host, port: port, deadline: deadline) {
        case .success(let fd): connection = fd
        case .failure(let failure): return .failure(failure)
        }
        defer { close(connection) }
        // The target as it is written, percent-encoding kept (URL.path would decode it).
        let components = URLComponents(url: url.absoluteURL, resolvingAgainstBaseURL: true)
        let path = components?.percentEncodedPath ?? "/"
        let target = (path.isEmpty ? "/" : path) + (components?.percentEncodedQuery.map { "?" + $0 } ?? "")
        // An IPv6 literal is bracketed in Host (RFC 9110 §7.2, RFC 3986 §3.2.2).
        let hostField = host.contains(":") ? "[\(host)]" : host
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(url.port == nil ? hostField : "\(hostField):\(port)")\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body?.count ?? 0)\r\nConnection: close\r\n\r\n"
        if let failure = send(Array(head.utf8) + Array(body ?? Data()), on: connection, deadline: deadline) { return .failure(failure) }
        return receive(on: connection, deadline: deadline)
    }

    /// A connected TCP socket to the first of `host`'s addresses that answers.
    private static func connect(host: String, port: Int, deadline: Date) -> Result<Int32, Failure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else { return .failure(.failed("cannot resolve \(host): \(String(cString: gai_strerror(resolved)))")) }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            let fd = socket(entry.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            // A non-blocking connect finishes when the socket turns writable (connect(2), EINPROGRESS).
            if Glibc.connect(fd, entry.pointee.ai_addr, entry.pointee.ai_addrlen) == 0 || errno == EINPROGRESS {
                switch wait(fd, for: Int16(POLLOUT), deadline: deadline) {
                case nil:
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 { return .success(fd) }
                    lastError = String(cString: strerror(error))
                case .timedOut:
                    close(fd)
                    return .failure(.timedOut)
                case .failed(let why):
                    lastError = why
                }
            } else {
                lastError = String(cString: strerror(errno))
            }
            close(fd)
        }
        return .failure(.failed(lastError))
    }

    private static func send(_ bytes: [UInt8], on fd: Int32, deadline: Date) -> Failure? {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sent += count
            } else if count < 0, errno == EAGAIN || errno == EINTR {
                if let failure = wait(fd, for: Int16(POLLOUT), deadline: deadline) { return failure }
            } else {
                return .failed(String(cString: strerror(errno)))
            }
        }
        return nil
    }

    private static func receive(on fd: Int32, deadline: Date) -> Result<(Int, Data), Failure> {
        var decoder = HTTPResponseDecoder()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    if let response = try decoder.consume(Array(chunk[..<count])) { return .success((response.status, Data(response.body))) }
                } else if count == 0 {
                    let response = try decoder.finish()
                    return .success((response.status, Data(response.body)))
                } else if errno == EAGAIN || errno == EINTR {
                    if let failure = wait(fd, for: Int16(POLLIN), deadline: deadline) { return .failure(failure) }
                } else {
                    return .failure(.failed(String(cString: strerror(errno))))
                }
            }
        } catch {
            return .failure(.failed("an answer provisionctl cannot read: \(error.description)"))
        }
    }

    /// Waits until `fd` is ready for `events`: nil when it is, else why not (the deadline
    /// passed, or poll(2) failed).
    private static func wait(_ fd: Int32, for events: Int16, deadline: Date) -> Failure? {
        while true {
            let milliseconds = Int32(clamping: Int((deadline.timeIntervalSinceNow * 1000).rounded(.up)))
            guard milliseconds > 0 else { return .timedOut }
            var entry = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return nil }
            if ready < 0, errno != EINTR { return .failed("poll: \(String(cString: strerror(errno)))") }
        }
    }
}
