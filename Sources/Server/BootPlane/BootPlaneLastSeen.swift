import Boot
import Inventory
import Net
import Synchronization

/// The last boot-plane request that named each machine (its MAC in the path or the query), with
/// the address it came from: what a timed-out install's event says was last seen of it. Kept in
/// memory, not in the database: a request costs no write, and a stranger's requests for made-up
/// MACs are bounded by `capacity` (the oldest entry gives way). A request is kept as its parts and
/// put into words only when asked for: formatting its time and text on every request was a tenth
/// of a cached boot script's handling (perf, bench/http.sh).
final class BootPlaneLastSeen: Sendable {
    /// One request, as the boot plane saw it.
    struct Request: Sendable {
        let method: String
        /// Never the query, which may hold a token.
        let path: String
        let status: Int
        let from: SocketAddress
        /// Milliseconds since the Unix epoch.
        let at: Int

        var lastSeen: InstallTimeout.LastSeen {
            InstallTimeout.LastSeen(at: Timestamp.format(milliseconds: at),
                                    request: "\(method) \(path) (\(status))", from: from.hostText)
        }
    }

    private let entries = Mutex<[String: Request]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func record(mac: String, _ request: Request) {
        entries.withLock { entries in
            // Full: the oldest tenth goes at once, so a flood of made-up MACs costs one sort per
            // capacity/10 requests, not a scan per request.
            if entries[mac] == nil, entries.count >= capacity {
                for (oldest, _) in entries.sorted(by: { $0.value.at < $1.value.at }).prefix(max(1, capacity / 10)) {
                    entries[oldest] = nil
                }
            }
            entries[mac] = request
        }
    }

    func lastSeen(_ mac: String) -> InstallTimeout.LastSeen? { entries.withLock { $0[mac] }?.lastSeen }
}
