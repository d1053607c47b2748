extension Inventory {
    public func setting(_ key: String) throws(InventoryError) -> String? {
        try run { database throws(InventoryError) in
            let statement = try database.statement("SELECT value FROM settings WHERE key = ?1").bind(.text(key))
            return try statement.step() ? statement.text(0) : nil
        }
    }

    public func setSetting(_ key: String, _ value: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            try database.statement("""
                INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """).bind(.text(key), .text(value), .text(Timestamp.now())).run()
        }
    }
}
