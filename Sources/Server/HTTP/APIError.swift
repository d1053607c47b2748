import Inventory
import Wire

/// An error answered as `{"error": message}` with `status`.
struct APIError: Error {
    let status: Int
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: InventoryError) {
        switch error {
        case .notFound, .clusterNotFound: self.init(404, error.description)
        case .conflict, .invalidTransition: self.init(409, error.description)
        case .invalid: self.init(400, error.description)
        case .sqlite, .cannotOpen, .schemaTooNew, .migrationFailed: self.init(500, "inventory error: \(error.description)")
        }
    }

    var response: HTTPResponse { .error(status, message) }

    /// Runs an inventory call, turning its error into the matching answer.
    static func inventory<T>(_ body: () throws(InventoryError) -> T) throws(APIError) -> T {
        do { return try body() } catch { throw APIError(error) }
    }
}
