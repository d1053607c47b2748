import Foundation

/// What the kernel dropped on a plane's UDP sockets because a receive buffer was full: each
/// datagram carries its socket's drop total (SO_RXQ_OVFL, socket(7)), and the growth since the
/// last one goes to a metric at once and to the log at most once a minute, so a flood does not
/// become a flood of log lines. Touched only on the queue that reads the sockets.
final class KernelDropReport {
    private let event: String
    private let ports: [UInt16]
    private let metric: (Int) -> Void
    private let log: Logger
    /// Each socket's total as last seen.
    private var totals: [UInt32]
    private var unreported = 0
    private var reportedAt = 0

    /// `ports`: one per socket, in the order `note` is given its index.
    init(event: String, ports: [UInt16], metric: @escaping (Int) -> Void, log: Logger) {
        self.event = event
        self.ports = ports
        self.metric = metric
        self.log = log
        totals = Array(repeating: 0, count: ports.count)
    }

    /// `total`: the datagram's SO_RXQ_OVFL count (nil when it carried none).
    func note(_ total: UInt32?, socket index: Int) {
        guard let total, total != totals[index] else { return }
        let added = Int(total &- totals[index])
        totals[index] = total
        metric(added)
        unreported += added
        let now = Int(Date().timeIntervalSince1970)
        guard now - reportedAt >= 60 else { return }
        log.warning(event, ["count": String(unreported), "port": String(ports[index]), "why": "the socket's receive buffer was full"])
        (unreported, reportedAt) = (0, now)
    }
}
