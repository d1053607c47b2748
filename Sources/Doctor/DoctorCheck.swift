import Wire

/// One finding of `provisionctl doctor`: what was checked, how it stands, what was seen and, when
/// it is not ok, what the operator should do.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        case ok, warn, fail

        private var rank: Int { self == .ok ? 0 : self == .warn ? 1 : 2 }
        public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
    }

    public var name: String
    public var status: Status
    public var message: String
    public var fix: String?
    /// Facts for `--json` (sizes, offers, addresses).
    public var details: [(String, JSONValue)]

    public init(_ name: String, _ status: Status, _ message: String, fix: String? = nil, details: [(String, JSONValue)] = []) {
        self.name = name
        self.status = status
        self.message = message
        self.fix = fix
        self.details = details
    }

    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [("name", .string(name)), ("status", .string(status.rawValue)), ("message", .string(message))]
        if let fix { fields.append(("fix", .string(fix))) }
        if !details.isEmpty { fields.append(("details", .object(details))) }
        return .object(fields)
    }

    public static func == (lhs: DoctorCheck, rhs: DoctorCheck) -> Bool {
        lhs.name == rhs.name && lhs.status == rhs.status && lhs.message == rhs.message && lhs.fix == rhs.fix
            && lhs.details.map(\.0) == rhs.details.map(\.0) && lhs.details.map(\.1) == rhs.details.map(\.1)
    }
}

/// Why a fact could not be gathered (an SQL error, a refused connection), as the check says it.
public struct DoctorFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
