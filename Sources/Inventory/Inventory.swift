import Dispatch
import Synchronization
import Wire

/// The machine inventory in SQLite. One connection, owned by one serial queue: every call runs
/// there, so callers on any thread see each operation as atomic, and every write is committed
/// (and synced) before the call returns.
public final class Inventory: @unchecked Sendable {
    // Both are touched only on `queue`.
    private let database: Database
    private let queue = DispatchQueue(label: "provisiond.inventory")
    /// Connections for lookups that must not wait behind a write's fsync (`read`).
    private let readers: ReadPool
    /// Writes waiting for the next group commit (`write`).
    private let pendingWrites = Mutex<[any QueuedWrite]>([])
    /// The boot plane's per-request lookups, kept until the next write (`keepsLookups`).
    let lookups: LookupCache

    public let path: String
    /// Wraps every wait for the writer's queue (a commit and its fsync, or a lookup queued behind
    /// one): provisiond passes `EventLoop.blocking`, so an HTTP event loop's thread about to wait
    /// hands its loop to another thread first and the loop's other connections go on.
    private let blockingSection: @Sendable (() -> Void) -> Void
    /// A commit runs on `queue`: a lookup there would wait for its fsync.
    private let committing = Atomic<Bool>(false)
    private let observers = Mutex<[@Sendable (InventoryChange) -> Void]>([])

    /// Opens (creating if needed) and migrates the database at `path`. `keepsLookups` is for the
    /// process that owns the database (provisiond): it answers repeated lookups from memory until
    /// its own next write, so a write by another process is seen only after that. Others (a test
    /// looking at a running server's database) read afresh every time.
    public init(path: String, migrations: [Migration] = Schema.migrations, keepsLookups: Bool = false,
                blockingSection: @escaping @Sendable (() -> Void) -> Void = { $0() }) throws(InventoryError) {
        self.path = path
        self.blockingSection = blockingSection
        lookups = LookupCache(enabled: keepsLookups)
        database = try Database(path: path)
        try Migrator.migrate(database, to: migrations, now: Timestamp.now)
        readers = ReadPool(path: path, capacity: Self.readConnections)
    }

    /// The schema version the database is at.
    public func schemaVersion() throws(InventoryError) -> Int {
        try run { database throws(InventoryError) in try Migrator.currentVersion(database) }
    }

    /// Waits for the operation in progress, then folds the WAL back into the database file. Called
    /// on shutdown so the data directory is one file again.
    public func checkpoint() throws(InventoryError) {
        try run { database throws(InventoryError) in try database.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Calls `handler` after every committed machine change, on the thread that made it: handlers
    /// must hand slow work to their own queue.
    public func observe(_ handler: @escaping @Sendable (InventoryChange) -> Void) {
        observers.withLock { $0.append(handler) }
    }

    func notify(_ change: InventoryChange) {
        for handler in observers.withLock({ $0 }) { handler(change) }
    }

    /// Runs `body` on the inventory's queue with its connection. For reads only: every change
    /// goes through `write`, which tells `lookups` that its answers are out of date.
    func run<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T {
        var result: Result<T, InventoryError>?
        func lookup() {
            result = queue.sync {
                defer { database.finishStatements() }
                return Result { () throws(InventoryError) -> T in try body(database) }
            }
        }
        // Only a wait behind a commit counts as blocking: an idle queue answers at once, and
        // handing an event loop away costs a thread.
        if committing.load(ordering: .relaxed) || !pendingWrites.withLock({ $0.isEmpty }) {
            blockingSection(lookup)
        } else {
            lookup()
        }
        return try result!.get()
    }

    /// Read connections at most: about one per core that serves requests, plus one.
    static let readConnections = 4

    /// Runs a lookup of committed data on a read connection, so it does not wait for the writer
    /// (on the writer's queue only when every read connection is busy). For single-statement
    /// reads or reads that need no transaction with a write.
    func read<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T {
        if let result = try readers.read(body) { return result }
        return try run(body)
    }

    /// Runs `body` as one atomic write, committed (and synced) before it returns. Writes from
    /// several threads at once share one commit (group commit): each waits its turn for the queue,
    /// and the first to get it commits every write queued by then in one transaction, each in its
    /// own savepoint, so one write's error undoes only that write. One fsync then covers a burst of
    /// transitions and the DHCP lease batch instead of one each (bench/storm.sh).
    func write<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T {
        try withoutActuallyEscaping(body, do: { body throws(InventoryError) -> T in
            let write = PendingWrite(body)
            pendingWrites.withLock { $0.append(write) }
            // When this returns the write has run: here, or in the commit of a thread before us.
            blockingSection { queue.sync { commitPendingWrites() } }
            return try write.outcome()
        })
    }

    private func commitPendingWrites() {
        let writes = pendingWrites.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        guard !writes.isEmpty else { return }
        committing.store(true, ordering: .relaxed)
        defer { committing.store(false, ordering: .relaxed) }
        do throws(InventoryError) {
            try database.transaction { () throws(InventoryError) in
                for write in writes { write.run(in: database) }
            }
        } catch {
            // Nothing was committed: a write that succeeded in its savepoint failed after all.
            for write in writes { write.commitFailed(error) }
        }
        database.finishStatements()
        // Also after a failed commit: a rolled-back write may have been half seen.
        lookups.writeCommitted()
    }
}

/// A write waiting for a group commit (`Inventory.write`).
private protocol QueuedWrite: AnyObject, Sendable {
    func run(in database: Database)
    func commitFailed(_ error: InventoryError)
}

/// One caller's write and, once run, its outcome. Touched on the inventory's queue only, and read
/// by its caller after the commit.
private final class PendingWrite<T>: QueuedWrite, @unchecked Sendable {
    /// Dropped once run: it is the caller's closure, which must not outlive its `write` call
    /// (`withoutActuallyEscaping` checks).
    private var body: ((Database) throws(InventoryError) -> T)?
    private var result: Result<T, InventoryError>?

    init(_ body: @escaping (Database) throws(InventoryError) -> T) { self.body = body }

    /// Runs the body in a savepoint: kept on success, rolled back on error.
    func run(in database: Database) {
        guard let body else { return }
        self.body = nil
        do throws(InventoryError) {
            try database.execute("SAVEPOINT write")
        } catch {
            result = .failure(error)
            return
        }
        var outcome = Result { () throws(InventoryError) -> T in try body(database) }
        // A statement left on a row must not keep the savepoint from ending.
        database.finishStatements()
        if case .success = outcome {
            do throws(InventoryError) { try database.execute("RELEASE write") } catch { outcome = .failure(error) }
        }
        if case .failure = outcome {
            try? database.execute("ROLLBACK TO write")
            try? database.execute("RELEASE write")
        }
        result = outcome
    }

    func commitFailed(_ error: InventoryError) {
        switch result {
        case .failure?: break
        case .success?, nil: result = .failure(error)
        }
    }

    func outcome() throws(InventoryError) -> T {
        body = nil
        guard let result else { throw .invalid("a write was not run") }
        return try result.get()
    }
}
