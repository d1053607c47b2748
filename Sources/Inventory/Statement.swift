import CSQLite

/// A value SQLite can bind or return.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case text(String)

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
}

/// A prepared statement owned by its `Database`.
final class Statement {
    private let raw: OpaquePointer
    private unowned let database: Database
    let sql: String

    init(raw: OpaquePointer, database: Database, sql: String) {
        self.raw = raw
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// Binds values to `?1`, `?2`, ... in order.
    @discardableResult
    func bind(_ values: SQLValue...) throws(InventoryError) -> Statement {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(raw, index)
            case .integer(let number): code = sqlite3_bind_int64(raw, index, number)
            case .text(let text): code = sqlite3_bind_text(raw, index, text, -1, csqlite_transient())
            }
            guard code == SQLITE_OK else { throw database.error(sql: sql) }
        }
        return self
    }

    /// Advances to the next row: true when a row is available, false when done.
    func step() throws(InventoryError) -> Bool {
        switch sqlite3_step(raw) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(sql: sql)
            sqlite3_reset(raw)
            throw error
        }
    }

    /// Steps a statement that returns no rows.
    func run() throws(InventoryError) {
        while try step() {}
    }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(raw, column) else { return nil }
        return String(cString: pointer)
    }

    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
}
