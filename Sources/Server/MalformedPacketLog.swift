import Net

/// Datagrams that are no request of a plane's protocol, logged so that a flood of them (spoofable,
/// from anyone on the segment) cannot fill the journal and push out the lines an operator needs:
/// the first in full, then one line every 1,000, each with the running total. Touched only on
/// the queue that reads the socket.
final class MalformedPacketLog {
    private let event: String
    private let log: Logger
    private var total = 0
    private var reportedAt = 0

    init(event: String, log: Logger) {
        self.event = event
        self.log = log
    }

    func note(_ why: String, from source: SocketAddress) {
        total += 1
        guard total == 1 || total - reportedAt >= 1000 else { return }
        log.warning(event, ["peer": source.description, "error": why, "total": String(total)])
        reportedAt = total
    }
}
