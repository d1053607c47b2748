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
    @discardableResult
    static func migrate(_ database: Database, to migrations: [Migration], now: () -> String) throws(InventoryError) -> [Int] {
        try database.transaction { () throws(InventoryError) in try database.execute(bookkeeping) }
        let supported = migrations.last?.version ?? 0
        let current = try currentVersion(database)
        if current > supported { throw .schemaTooNew(found: current, supported: supported) }
        var applied: [Int] = []
        for migration in migrations where migration.version > current {
            do {
                try database.transaction { () throws(InventoryError) in
                    try database.execute(migration.sql)
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

    static func currentVersion(_ database: Database) throws(InventoryError) -> Int {
        let statement = try database.statement("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        // Left on its row, the statement would hold a read transaction open: a stale snapshot,
        // and SQLITE_BUSY_SNAPSHOT on this connection's first write.
        defer { statement.reset() }
        _ = try statement.step()
        return Int(statement.integer(0))
    }
}
