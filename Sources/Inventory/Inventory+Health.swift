extension Inventory {
    /// A real read for `/healthz` and the systemd watchdog: the number of machines, through the
    /// one connection and serial queue every request uses, so a wedged queue or a broken database
    /// shows.
    public func machineCount() throws(InventoryError) -> Int {
        try run { database throws(InventoryError) in
            let statement = try database.statement("SELECT count(*) FROM machines")
            _ = try statement.step()
            return Int(statement.integer(0))
        }
    }
}
