import Synchronization
import Wire

/// Answers of the lookups the boot plane makes on every request (a machine, its facts, its
/// cluster, its leased addresses), kept until the next write: a machine fetching its boot script
/// or user-data again costs no SQLite read (perf under bench/http.sh: the reads were about half of
/// the handler's time). Every committed write (`Inventory.write`) moves `revision` on, and the
/// first lookup after that drops every kept answer, so an answer given is always what a read
/// would give now. An answer that depends on the clock (a lease's expiry) is kept only until then.
/// Bounded: at `capacity` answers the cache starts again empty, so made-up MACs cannot grow it.
final class LookupCache: Sendable {
    enum Key: Hashable {
        case machine(MACAddress)
        case facts(MACAddress)
        case cluster(String)
        case leasedAddresses(MACAddress)
    }

    private struct Entry {
        let answer: any Sendable
        /// Unix seconds from which the answer no longer holds (`.max`: until the next write).
        let expires: Int
    }

    private struct State {
        /// The write revision the answers were read at.
        var revision: UInt64 = 0
        var answers: [Key: Entry] = [:]
    }

    private let state = Mutex(State())
    /// Writes committed so far.
    private let revision = Atomic<UInt64>(0)
    let capacity: Int
    /// Off: every lookup reads (an inventory that does not own the database).
    let enabled: Bool

    init(enabled: Bool = true, capacity: Int = 8192) {
        self.enabled = enabled
        self.capacity = capacity
    }

    /// A write committed: no answer read before it is given again. Called before the writer's
    /// call returns, so nobody told of the write can get an answer from before it.
    func writeCommitted() { revision.add(1, ordering: .sequentiallyConsistent) }

    /// The kept answer to `key`, else `lookup`'s (kept unless a write committed meanwhile, in
    /// which case it may predate that write). `lookup` gives the answer and the Unix second it
    /// expires at. Errors are not kept: the next lookup asks the database again.
    func answer<T: Sendable>(_ key: Key, now: Int = Timestamp.unixNow(),
                             lookup: () throws(InventoryError) -> (T, expires: Int)) throws(InventoryError) -> T {
        guard enabled else { return try lookup().0 }
        let revision = revision.load(ordering: .sequentiallyConsistent)
        let kept = state.withLock { state -> (any Sendable)? in
            if state.revision != revision {
                state.answers.removeAll(keepingCapacity: true)
                state.revision = revision
                return nil
            }
            guard let entry = state.answers[key], now < entry.expires else { return nil }
            return entry.answer
        }
        // Unwrapped before the cast: a missing answer cast to an optional `T` would be a nil answer.
        if let kept, let answer = kept as? T { return answer }
        let (answer, expires) = try lookup()
        state.withLock { state in
            guard state.revision == revision, self.revision.load(ordering: .sequentiallyConsistent) == revision else { return }
            if state.answers.count >= capacity { state.answers.removeAll(keepingCapacity: true) }
            state.answers[key] = Entry(answer: answer, expires: expires)
        }
        return answer
    }

    /// `answer` for a lookup that holds until the next write.
    func answer<T: Sendable>(_ key: Key, lookup: () throws(InventoryError) -> T) throws(InventoryError) -> T {
        try answer(key, now: 0) { () throws(InventoryError) in (try lookup(), expires: Int.max) }
    }

    var count: Int { state.withLock { $0.answers.count } }
}
