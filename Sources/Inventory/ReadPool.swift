import Synchronization

/// Read-only connections beside the writer (GRDB's DatabasePool pattern): in WAL mode readers
/// never wait for the writer, so the boot plane's lookups do not queue behind a lease batch's or
/// a transition's fsync on the one writer queue. Each connection is checked out by one caller at a
/// time and opened on first need, up to `capacity`; with all of them busy the caller uses the
/// writer's queue instead of waiting. Every read starts a new read transaction, so it sees
/// everything committed before it began.
final class ReadPool: Sendable {
    private let path: String
    private let capacity: Int
    /// Idle connections, and how many are open in all.
    private let state = Mutex<(idle: [Database], open: Int)>(([], 0))

    init(path: String, capacity: Int) {
        self.path = path
        self.capacity = capacity
    }

    /// Runs `body` on a read connection; nil when none is free and no more may be opened (or
    /// one cannot be opened): the caller reads on the writer's queue then.
    func read<T>(_ body: (Database) throws(InventoryError) -> T) throws(InventoryError) -> T? {
        guard let database = checkOut() else { return nil }
        defer { checkIn(database) }
        // A statement left on a row would hold its snapshot: the next read must see new commits.
        defer { database.finishStatements() }
        return try body(database)
    }

    private func checkOut() -> Database? {
        enum Next { case use(Database), open, none }
        let next: Next = state.withLock { state in
            if let database = state.idle.popLast() { return .use(database) }
            guard state.open < capacity else { return .none }
            state.open += 1
            return .open
        }
        switch next {
        case .use(let database): return database
        case .none: return nil
        case .open:
            if let database = try? Database(path: path, readOnly: true) { return database }
            state.withLock { $0.open -= 1 }
            return nil
        }
    }

    private func checkIn(_ database: Database) {
        state.withLock { $0.idle.append(database) }
    }
}
