import Inventory
import Synchronization
import Wire

/// The liveness of every enabled plane and of the database, for `/healthz` on both listeners and
/// for the systemd watchdog. Planes register their heartbeat as they are made, with a probe that
/// makes them beat from their queue (every plane runs on Dispatch queues, with no loop of its own
/// to beat from), run by `probe()` on every watchdog tick.
public final class ServiceHealth: Sendable {
    private let inventory: Inventory
    /// How old a heartbeat may be before its plane counts as stalled.
    public let maxAge: Double
    private let planes = Mutex<[(heartbeat: Heartbeat, probe: (@Sendable () -> Void)?)]>([])

    public init(inventory: Inventory, maxAge: Double) {
        self.inventory = inventory
        self.maxAge = maxAge
    }

    public func monitor(_ heartbeat: Heartbeat, probe: (@Sendable () -> Void)? = nil) {
        planes.withLock { $0.append((heartbeat, probe)) }
    }

    /// Asks the planes that beat only when asked to do so.
    public func probe() {
        for probe in planes.withLock({ $0.compactMap(\.probe) }) { probe() }
    }

    /// Queries the database (blocking while its queue is busy) and reads every heartbeat.
    public func report() -> HealthReport {
        let database: Result<Int, HealthReport.DatabaseFailure>
        // A real query through the one connection and serial queue every request uses, so a
        // wedged queue or a broken database shows.
        do { database = .success(try inventory.machineCountsByState().values.reduce(0, +)) } catch { database = .failure(.init(message: error.description)) }
        let planes = planes.withLock { $0.map { HealthReport.Plane(name: $0.heartbeat.plane, age: $0.heartbeat.age) } }
        return HealthReport(database: database, planes: planes, maxAge: maxAge)
    }
}

extension ServiceHealth {
    /// `GET /healthz` on either listener: 200 with the report when healthy, else 503 with it.
    func response(_ request: HTTPRequest, adding fields: [(String, JSONValue)] = []) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(["GET", "HEAD"]) }
        let report = report()
        return .json(report.isHealthy ? 200 : 503, .object(report.json + fields))
    }
}
