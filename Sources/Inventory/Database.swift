import CSQLite
import Glibc

/// One SQLite connection. Not thread-safe by itself: `Inventory` confines the writer to a serial
/// queue, and `ReadPool` hands each reader to one caller at a time.
/// Statements are prepared once per SQL text and cached; values are always bound, never spliced.
final class Database: @unchecked Sendable {
    private let handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    let path: String
    /// Told how long each COMMIT took (`Inventory.observeCommits`).
    var commitObserver: (@Sendable (Double) -> Void)?

    /// `readOnly`: a reader of a database the writer made (WAL already on).
    init(path: String, readOnly: Bool = false) throws(InventoryError) {
        self.path = path
        if !readOnly {
            // The database holds install tokens: create it readable by its owner alone. SQLite
            // gives the -wal and -shm files the same mode.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .cannotOpen(path: path, message: String(cString: strerror(errno))) }
            close(fd)
        }
        var connection: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(connection)
            throw .cannotOpen(path: path, message: message)
        }
        handle = connection
        sqlite3_extended_result_codes(handle, 1)
        // Writers wait for each other instead of failing at once (a second process, the CLI's
        // sqlite3 shell, a backup).
        sqlite3_busy_timeout(handle, 5000)
        do throws(InventoryError) {
            // WAL: readers never block the writer. synchronous=FULL: a committed transaction is
            // on disk before the API acknowledges it, so neither kill -9 nor power loss drops it.
            guard try scalarText(readOnly ? "PRAGMA journal_mode" : "PRAGMA journal_mode = WAL")?.lowercased() == "wal" else {
                throw InventoryError.cannotOpen(path: path, message: "the filesystem does not support WAL journaling")
            }
            guard !readOnly else { return }
            try execute("PRAGMA synchronous = FULL")
            try execute("PRAGMA foreign_keys = ON")
        } catch {
            sqlite3_close_v2(handle)
            throw error
        }
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// A cached prepared statement for `sql`, reset and with its bindings cleared.
    func statement(_ sql: String) throws(InventoryError) -> Statement {
        if let cached = cache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil) == SQLITE_OK, let raw else {
            throw error(sql: sql)
        }
        let statement = Statement(raw: raw, database: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs statements that take no parameters, e.g. DDL in migrations.
    func execute(_ sql: String) throws(InventoryError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw .sqlite(code: code, message: text, sql: sql)
        }
    }

    func scalarText(_ sql: String) throws(InventoryError) -> String? {
        let statement = try statement(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.text(0) : nil
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so
    /// the transaction cannot fail half-way for lock upgrade); rolls back on any error.
    func transaction<T>(_ body: () throws(InventoryError) -> T) throws(InventoryError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            finishStatements()
            var started = timespec()
            clock_gettime(CLOCK_MONOTONIC, &started)
            try execute("COMMIT")
            if let commitObserver {
                var ended = timespec()
                clock_gettime(CLOCK_MONOTONIC, &ended)
                commitObserver(Double(ended.tv_sec - started.tv_sec) + Double(ended.tv_nsec - started.tv_nsec) / 1e9)
            }
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Resets every cached statement. A statement left on a row keeps its read open: COMMIT would
    /// fail with "SQL statements in progress" and the WAL could not be checkpointed past it.
    func finishStatements() {
        for statement in cache.values { statement.reset() }
    }

    func error(sql: String) -> InventoryError {
        .sqlite(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}
