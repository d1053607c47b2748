import Wire

/// What `/healthz` and the systemd watchdog judge by: a real query on the database and how long
/// ago each enabled plane last proved it is alive. Healthy only when the query answered and every
/// plane beat within `maxAge`.
public struct HealthReport: Equatable, Sendable {
    public struct Plane: Equatable, Sendable {
        public let name: String
        /// Seconds since its last heartbeat.
        public let age: Double
    }

    /// The machine count on success, else the database's error.
    public let database: Result<Int, DatabaseFailure>
    public let planes: [Plane]
    public let maxAge: Double

    public struct DatabaseFailure: Error, Equatable, Sendable {
        public let message: String
    }

    public init(database: Result<Int, DatabaseFailure>, planes: [Plane], maxAge: Double) {
        self.database = database
        self.planes = planes
        self.maxAge = maxAge
    }

    /// The planes that have not beaten within `maxAge`.
    public var stale: [String] { planes.filter { $0.age > maxAge }.map(\.name) }

    public var isHealthy: Bool {
        guard case .success = database else { return false }
        return stale.isEmpty
    }

    /// `{"status": "ok"|"unavailable", "database": {...}, "planes": {"dhcp": {"status", "age"}, ...}}`;
    /// ages in milliseconds.
    public var json: [(String, JSONValue)] {
        let database: JSONValue = switch self.database {
        case .success(let machines): .object([("status", .string("ok")), ("machines", .int(machines))])
        case .failure(let failure): .object([("status", .string("failed")), ("error", .string(failure.message))])
        }
        let planes = planes.map { plane in
            (plane.name, JSONValue.object([("status", .string(plane.age > maxAge ? "stale" : "ok")),
                                           ("age_ms", .int(Int((plane.age * 1000).rounded())))]))
        }
        return [("status", .string(isHealthy ? "ok" : "unavailable")), ("database", database), ("planes", .object(planes))]
    }
}
