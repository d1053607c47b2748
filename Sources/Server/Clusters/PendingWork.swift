import Synchronization

/// Work handed to a background queue and not finished yet: counted up before it is queued (on
/// the thread that made the change, so before the request that caused it is answered) and down
/// when it is done. `/healthz` shows it, so anyone can tell when what a request set off has
/// settled; the tests wait for zero instead of sleeping and hoping.
final class PendingWork: Sendable {
    private let count = Atomic<Int>(0)

    func begin() { count.add(1, ordering: .sequentiallyConsistent) }
    func end() { count.subtract(1, ordering: .sequentiallyConsistent) }
    var value: Int { count.load(ordering: .sequentiallyConsistent) }
}

/// What `/healthz` reports as pending: hook runs and kubespray planning or playbook runs.
struct BackgroundWork: Sendable {
    let hooks: PendingWork
    let kubespray: PendingWork
}
