import Glibc

/// One blocking request/answer over a fresh TCP connection, optionally from a chosen source
/// address: how `provisionctl doctor` proves a URL is reachable from the provisioning interface.
public enum TCPExchange {
    /// Connects (from `source` when given), sends `request`, and reads until the peer closes,
    /// `limit` bytes arrive, or `timeout` seconds pass without progress.
    public static func run(to destination: SocketAddress, from source: SocketAddress? = nil, request: [UInt8], limit: Int = 4096,
                           timeout: Double) -> Result<[UInt8], NetError> {
        let fd = socket(destination.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(NetError("socket", address: destination.description)) }
        defer { close(fd) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        // SO_SNDTIMEO bounds connect(2) as well (socket(7)); SO_RCVTIMEO bounds each read.
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        if let source, source.withSockaddr({ bind(fd, $0, $1) }) != 0 {
            return .failure(NetError("bind", address: source.description))
        }
        guard destination.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            return .failure(NetError("connect", address: destination.description))
        }
        let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { return .failure(NetError("send", address: destination.description)) }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while answer.count < limit {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                answer += buffer[..<count]
            } else if count == 0 || !answer.isEmpty {
                break
            } else {
                return .failure(NetError("receive from", address: destination.description))
            }
        }
        return .success(answer)
    }
}
