import Boot
import Foundation
import Inventory

/// The last boot-plane request that named each machine (its MAC in the path or the query), with
/// the address it came from: what a timed-out install's event says was last seen of it. Kept in
/// memory, not in the database: a request costs no write, and a stranger's requests for made-up
/// MACs are bounded by `capacity` (the oldest entry gives way).
final class BootPlaneLastSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: InstallTimeout.LastSeen] = [:]
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    /// `request` is the method, path and status; never the query, which may hold a token.
    func record(mac: String, request: String, from address: String, at time: String = Timestamp.now()) {
        lock.withLock {
            // Full: the oldest tenth goes at once, so a flood of made-up MACs costs one sort per
            // capacity/10 requests, not a scan per request.
            if entries[mac] == nil, entries.count >= capacity {
                for (oldest, _) in entries.sorted(by: { $0.value.at < $1.value.at }).prefix(max(1, capacity / 10)) {
                    entries[oldest] = nil
                }
            }
            entries[mac] = InstallTimeout.LastSeen(at: time, request: request, from: address)
        }
    }

    func lastSeen(_ mac: String) -> InstallTimeout.LastSeen? { lock.withLock { entries[mac] } }
}
