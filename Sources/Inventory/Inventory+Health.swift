
extension Inventory {
    /// How many machines are in each state (states with none are absent), for `/metrics`.
    public func machineCountsByState() throws(InventoryError) -> [MachineState: Int] {
        try run { database throws(InventoryError) in
            let statement = try database.statement("SELECT state, COUNT(*) FROM machines GROUP BY state")
            var counts: [MachineState: Int] = [:]
            while try statement.step() {
                guard let state = MachineState(rawValue: statement.text(0) ?? "") else { continue }
                counts[state] = Int(statement.integer(1))
            }
            return counts
        }
    }

    /// `PRAGMA quick_check`: "ok", or the problems SQLite found (`provisionctl doctor`).
    public func quickCheck() throws(InventoryError) -> [String] {
        try run { database throws(InventoryError) in
            let statement = try database.statement("PRAGMA quick_check")
            var lines: [String] = []
            while try statement.step() { lines.append(statement.text(0) ?? "") }
            return lines
        }
    }

    /// Calls `handler` with the seconds each COMMIT took (its fsync included), on the
    /// inventory's queue: it must be quick.
    public func observeCommits(_ handler: @escaping @Sendable (Double) -> Void) {
        _ = try? run { database throws(InventoryError) in database.commitObserver = handler }
    }
}
