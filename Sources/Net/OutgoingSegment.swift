import Glibc

/// One queued piece of a connection's output: bytes in memory, or a range of an open file.
struct OutgoingSegment {
    enum Content {
        case bytes([UInt8], sent: Int)
        case file(Int32, offset: Int, remaining: Int)
    }

    enum WriteResult {
        case progress(Int)
        case wouldBlock
        case failed
    }

    var content: Content
    let completion: (() -> Void)?

    var isDone: Bool {
        switch content {
        case .bytes(let bytes, let sent): sent == bytes.count
        case .file(_, _, let remaining): remaining == 0
        }
    }

    /// One write(2) or sendfile(2) call's worth.
    mutating func write(to socket: Int32, maxFileChunk: Int) -> WriteResult {
        switch content {
        case .bytes(let bytes, let sent):
            if sent == bytes.count { return .progress(0) }
            let count = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                content = .bytes(bytes, sent: sent + count)
                return .progress(count)
            }
            return Self.classify(count)
        case .file(let file, let offset, let remaining):
            if remaining == 0 { return .progress(0) }
            var position = off_t(offset)
            let count = sendfile(socket, file, &position, min(remaining, maxFileChunk))
            if count > 0 {
                content = .file(file, offset: Int(position), remaining: remaining - count)
                return .progress(count)
            }
            // sendfile returning 0 with bytes left means the file shrank under us.
            return count == 0 ? .failed : Self.classify(count)
        }
    }

    /// Closes the file a segment owns.
    func release() {
        if case .file(let file, _, _) = content { Glibc.close(file) }
    }

    private static func classify(_ result: Int) -> WriteResult {
        if result < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .wouldBlock }
        return .failed
    }
}
