/// The value types the inventory stores (machines, leases, clusters, lifecycle) live in the pure
/// `Model` target, so `Boot` can use them without linking SQLite (DESIGN.md §2); whoever imports
/// the store gets them with it.
@_exported import Model
