import Inventory
import Power
import Wire

/// `/api/v1/machines/{mac}/power` (settings: PUT, GET, DELETE; the password is never answered,
/// `has_password` says whether there is one), `/api/v1/machines/{mac}/power/{operation}` (POST),
/// and `/api/v1/power/{operation}` (POST, many machines by label or cluster, with a summary).
struct PowerAPI: Sendable {
    let inventory: Inventory
    let service: PowerService
    let log: Logger

    /// `rest`: the path after `/api/v1/machines/{mac}/power`.
    func routeMachine(_ mac: MACAddress, _ rest: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        switch (rest.count, request.method) {
        case (0, "GET"): return .json(200, Self.settingsJSON(try service.settings(mac)))
        case (0, "PUT"): return try setSettings(mac, request)
        case (0, "DELETE"): return try deleteSettings(mac)
        case (0, _): return .methodNotAllowed(["GET", "PUT", "DELETE"])
        case (1, "POST"): return try operate(try Self.operation(rest[0]), mac)
        case (1, _): return .methodNotAllowed(["POST"])
        default: throw APIError(404, "no such endpoint: \(request.path)")
        }
    }

    /// `rest`: the path after `/api/v1/power`.
    func routeBulk(_ rest: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        guard rest.count == 1 else { throw APIError(404, "no such endpoint: \(request.path)") }
        guard request.method == "POST" else { return .methodNotAllowed(["POST"]) }
        let operation = try Self.operation(rest[0])
        let fields = try JSONFields(body: request.body, allowed: ["labels", "cluster"])
        let labels = try fields.labels("labels") ?? [:], cluster = try fields.string("cluster")
        guard !labels.isEmpty || cluster != nil else { throw APIError(400, "give labels or a cluster: the machines to act on") }
        let machines = try APIError.inventory { () throws(InventoryError) in
            if let cluster { return try inventory.members(of: cluster) }
            return try inventory.machines()
        }.filter { machine in labels.allSatisfy { machine.labels[$0.key] == $0.value } }
        let reports = service.performAll(operation, on: machines.map(\.mac), source: "api-bulk")
        let failed = reports.filter { (try? $0.result.get()) == nil }.count
        return .json(200, .object([("operation", .string(operation.rawValue)), ("ok", .int(reports.count - failed)), ("failed", .int(failed)),
                                   ("results", .array(reports.map(\.json)))]))
    }

    private func operate(_ operation: PowerOperation, _ mac: MACAddress) throws(APIError) -> HTTPResponse {
        guard let report = try service.perform(operation, on: mac, source: "api") else {
            throw APIError(504, "the BMC has not finished \(operation.rawValue) within \(Int(service.answerWithin)) s; it goes on, and its outcome will be in provisionctl events \(mac)")
        }
        switch report.result {
        case .success: return .json(200, report.json)
        case .failure(let error):
            // A refused setting is the operator's to fix (409); anything the BMC said is a bad gateway.
            if case .invalid = error { throw APIError(409, "power \(operation.rawValue) of \(mac): \(error)") }
            throw APIError(502, "power \(operation.rawValue) of \(mac): \(error)")
        }
    }

    private func setSettings(_ mac: MACAddress, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["driver", "address", "port", "user", "password", "cipher_suite", "ca_pem", "fingerprint"])
        let name = try fields.requiredString("driver")
        guard let driver = PowerSettingsRecord.Driver(rawValue: name) else {
            throw APIError(400, "unknown power driver \"\(name)\" (\(PowerSettingsRecord.Driver.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let record = PowerSettingsRecord(
            mac: mac.description, driver: driver, address: try fields.requiredString("address"), port: try fields.int("port"),
            username: try fields.string("user"), password: try fields.string("password"), cipherSuite: try fields.int("cipher_suite"),
            caPEM: try fields.string("ca_pem"), fingerprint: try fields.string("fingerprint"))
        try Self.refuseFields(record)
        do { try service.drivers.validate(record) } catch { throw APIError(400, error.description) }
        let stored = try APIError.inventory { () throws(InventoryError) in try inventory.setPowerSettings(record) }
        log.info("power-settings-set", ["mac": stored.mac, "driver": stored.driver.rawValue, "bmc": PowerDrivers.describe(stored)])
        return .json(200, Self.settingsJSON(stored))
    }

    /// Fields a driver does not use are refused rather than stored unused.
    private static func refuseFields(_ record: PowerSettingsRecord) throws(APIError) {
        let given: [(String, Bool)] = [("port", record.port != nil), ("user", record.username != nil), ("password", record.password != nil),
                                       ("cipher_suite", record.cipherSuite != nil), ("ca_pem", record.caPEM != nil),
                                       ("fingerprint", record.fingerprint != nil)]
        let used: Set<String> = switch record.driver {
        case .redfish: ["user", "password", "ca_pem", "fingerprint"]
        case .ipmi: ["port", "user", "password", "cipher_suite"]
        case .proxmox: []
        }
        if let unused = given.first(where: { $0.1 && !used.contains($0.0) }) {
            throw APIError(400, "\(unused.0) is not a \(record.driver.rawValue) setting")
        }
    }

    private func deleteSettings(_ mac: MACAddress) throws(APIError) -> HTTPResponse {
        guard try APIError.inventory({ () throws(InventoryError) in try inventory.deletePowerSettings(mac) }) else {
            throw APIError(404, "\(mac) has no power settings")
        }
        log.info("power-settings-deleted", ["mac": mac.description])
        return HTTPResponse(status: 204)
    }

    private static func operation(_ name: String) throws(APIError) -> PowerOperation {
        guard let operation = PowerOperation(rawValue: name) else {
            throw APIError(404, "unknown power operation \"\(name)\" (\(PowerOperation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return operation
    }

    /// The settings as answered: never the password, only whether there is one.
    static func settingsJSON(_ record: PowerSettingsRecord) -> JSONValue {
        .object([
            ("mac", .string(record.mac)), ("driver", .string(record.driver.rawValue)), ("address", .string(record.address)),
            ("port", record.port.map(JSONValue.int) ?? .null), ("user", record.username.map(JSONValue.string) ?? .null),
            ("has_password", .bool(!(record.password ?? "").isEmpty)), ("cipher_suite", record.cipherSuite.map(JSONValue.int) ?? .null),
            ("trust", record.driver != .redfish ? .null : .string(record.caPEM != nil ? "ca-file" : record.fingerprint != nil ? "fingerprint" : "system")),
            ("fingerprint", record.fingerprint.map(JSONValue.string) ?? .null), ("updatedAt", .string(record.updatedAt)),
        ])
    }
}
