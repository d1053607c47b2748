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

    public let path: String
    private let observers = Mutex<[@Sendable (InventoryChange) -> Void]>([])

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String, migrations: [Migration] = Schema.migrations) throws(InventoryError) {
        self.path = path
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

    /// Runs `body` on the inventory's queue with its connection.
    func run<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T {
        let result = queue.sync {
            defer { database.finishStatements() }
            return Result { () throws(InventoryError) -> T in try body(database) }
        }
        return try result.get()
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

    /// Runs `body` on the queue inside one write transaction.
    func write<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T {
        try run { database throws(InventoryError) in
            try database.transaction { () throws(InventoryError) -> T in try body(database) }
        }
    }
}
