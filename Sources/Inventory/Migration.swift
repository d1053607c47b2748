/// One schema step. Versions are applied in order, each in its own transaction together with the
/// row that records it, so a crash leaves the database at one version or the next, never between.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

enum Migrator {
    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        ) STRICT
        """

    /// Brings the database up to the last of `migrations`; returns the versions applied now.
    ///
    /// Foreign keys are off while migrations run (SQLite §"Making Other Kinds Of Table Schema
    /// Changes": a table rebuild, new table + copy + drop + rename, would otherwise cascade deletes
    /// or fail on the drop), and `PRAGMA foreign_key_check` must find nothing before each commit,
    /// as GRDB's migrator does. The pragma is a no-op inside a transaction: it is set around them.
    @discardableResult
    static func migrate(_ database: Database, to migrations: [Migration], now: () -> String) throws(InventoryError) -> [Int] {
        try database.transaction { () throws(InventoryError) in try database.execute(bookkeeping) }
        let supported = migrations.last?.version ?? 0
        let current = try currentVersion(database)
        if current > supported { throw .schemaTooNew(found: current, supported: supported) }
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return [] }
        try database.execute("PRAGMA foreign_keys = OFF")
        defer { try? database.execute("PRAGMA foreign_keys = ON") }
        var applied: [Int] = []
        for migration in pending {
            do {
                try database.transaction { () throws(InventoryError) in
                    try database.execute(migration.sql)
                    if let violation = try firstForeignKeyViolation(database) { throw .invalid(violation) }
                    try database.statement("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)")
                        .bind(.integer(Int64(migration.version)), .text(migration.name), .text(now()))
                        .run()
                }
            } catch {
                throw .migrationFailed(version: migration.version, name: migration.name, message: error.description)
            }
            applied.append(migration.version)
        }
        return applied
    }

    /// The first row `PRAGMA foreign_key_check` reports, described; nil when every reference holds.
    static func firstForeignKeyViolation(_ database: Database) throws(InventoryError) -> String? {
        let statement = try database.statement("PRAGMA foreign_key_check")
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return "foreign key violation: table \(statement.text(0) ?? "?") row \(statement.integer(1)) refers to a missing row of \(statement.text(2) ?? "?")"
    }

    static func currentVersion(_ database: Database) throws(InventoryError) -> Int {
        let statement = try database.statement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        // Left on its row, the statement would hold a read transaction open: a stale snapshot,
        // and SQLITE_BUSY_SNAPSHOT on this connection's first write.
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.integer(0))
    }
}
