import Wire

/// Every failure of the inventory, with the context an operator needs to act on it.
public enum InventoryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// SQLite refused a statement: its result code, its message and the SQL.
    case sqlite(code: Int32, message: String, sql: String)
    case cannotOpen(path: String, message: String)
    /// The database was written by a newer provisiond.
    case schemaTooNew(found: Int, supported: Int)
    case migrationFailed(version: Int, name: String, message: String)
    case notFound(MACAddress)
    case clusterNotFound(String)
    /// A unique value (MAC, hostname, IP) is already taken.
    case conflict(String)
    case invalidTransition(LifecycleError)
    /// A field value that does not pass validation.
    case invalid(String)

    public var description: String {
        switch self {
        case .sqlite(let code, let message, let sql): "sqlite error \(code): \(message) (in: \(sql))"
        case .cannotOpen(let path, let message): "cannot open database \(path): \(message)"
        case .schemaTooNew(let found, let supported):
            "database schema version \(found) is newer than this provisiond supports (\(supported)); run a newer provisiond or restore a backup"
        case .migrationFailed(let version, let name, let message): "migration \(version) (\(name)) failed: \(message)"
        case .notFound(let mac): "no machine with MAC \(mac)"
        case .clusterNotFound(let name): "no cluster named \(name) (create it with: provisionctl cluster create \(name) --kind k3s|kubespray)"
        case .conflict(let message): message
        case .invalidTransition(let error): error.description
        case .invalid(let message): message
        }
    }
}
