import Wire

/// Reading and writing machine rows inside a transaction; the public operations compose these.
enum MachineRows {
    static let columns = "mac, hostname, profile, role, cluster, ip, state, instance_id, install_token, created_at, updated_at"

    /// The machine whose primary MAC or extra NIC is `mac`.
    static func load(_ database: Database, matching mac: MACAddress) throws(InventoryError) -> Machine? {
        let statement = try database.statement("""
            SELECT \(columns) FROM machines
            WHERE mac = ?1 OR mac = (SELECT machine_mac FROM machine_nics WHERE mac = ?1)
            """).bind(.text(mac.description))
        guard try statement.step() else { return nil }
        var machine = try decode(statement)
        machine.nics = try nics(database, of: machine.mac)
        machine.labels = try labels(database, of: machine.mac)
        return machine
    }

    static func require(_ database: Database, matching mac: MACAddress) throws(InventoryError) -> Machine {
        guard let machine = try load(database, matching: mac) else { throw .notFound(mac) }
        return machine
    }

    static func all(_ database: Database, state: MachineState?) throws(InventoryError) -> [Machine] {
        let statement = try database.statement("SELECT \(columns) FROM machines WHERE ?1 IS NULL OR state = ?1 ORDER BY mac")
            .bind(SQLValue(state?.rawValue))
        var machines: [Machine] = []
        while try statement.step() { machines.append(try decode(statement)) }
        var nicsByMachine: [String: [MACAddress]] = [:]
        let nicRows = try database.statement("SELECT machine_mac, mac FROM machine_nics ORDER BY mac")
        while try nicRows.step() {
            nicsByMachine[nicRows.text(0) ?? "", default: []].append(try mac(nicRows.text(1)))
        }
        var labelsByMachine: [String: [String: String]] = [:]
        let labelRows = try database.statement("SELECT machine_mac, key, value FROM machine_labels")
        while try labelRows.step() {
            labelsByMachine[labelRows.text(0) ?? "", default: [:]][labelRows.text(1) ?? ""] = labelRows.text(2) ?? ""
        }
        for index in machines.indices {
            let key = machines[index].mac.description
            machines[index].nics = nicsByMachine[key] ?? []
            machines[index].labels = labelsByMachine[key] ?? [:]
        }
        return machines
    }

    static func insert(_ database: Database, _ machine: Machine) throws(InventoryError) {
        try database.statement("""
            INSERT INTO machines (\(columns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """).bind(
                .text(machine.mac.description), SQLValue(machine.hostname), SQLValue(machine.profile), SQLValue(machine.role),
                SQLValue(machine.cluster), SQLValue(machine.ip?.description), .text(machine.state.rawValue),
                .text(machine.instanceID), .text(machine.installToken), .text(machine.createdAt), .text(machine.updatedAt)
            ).run()
        try replaceNICs(database, machine)
        try replaceLabels(database, machine)
    }

    /// Writes every field of `machine` over its row (the MAC and creation time stay).
    static func update(_ database: Database, _ machine: Machine) throws(InventoryError) {
        try database.statement("""
            UPDATE machines SET hostname = ?2, profile = ?3, role = ?4, cluster = ?5, ip = ?6, state = ?7,
                instance_id = ?8, install_token = ?9, updated_at = ?10
            WHERE mac = ?1
            """).bind(
                .text(machine.mac.description), SQLValue(machine.hostname), SQLValue(machine.profile), SQLValue(machine.role),
                SQLValue(machine.cluster), SQLValue(machine.ip?.description), .text(machine.state.rawValue),
                .text(machine.instanceID), .text(machine.installToken), .text(machine.updatedAt)
            ).run()
        try replaceNICs(database, machine)
        try replaceLabels(database, machine)
    }

    private static func replaceNICs(_ database: Database, _ machine: Machine) throws(InventoryError) {
        try database.statement("DELETE FROM machine_nics WHERE machine_mac = ?1").bind(.text(machine.mac.description)).run()
        for nic in machine.nics {
            try database.statement("INSERT INTO machine_nics (mac, machine_mac) VALUES (?1, ?2)")
                .bind(.text(nic.description), .text(machine.mac.description)).run()
        }
    }

    private static func replaceLabels(_ database: Database, _ machine: Machine) throws(InventoryError) {
        try database.statement("DELETE FROM machine_labels WHERE machine_mac = ?1").bind(.text(machine.mac.description)).run()
        for (key, value) in machine.labels.sorted(by: { $0.key < $1.key }) {
            try database.statement("INSERT INTO machine_labels (machine_mac, key, value) VALUES (?1, ?2, ?3)")
                .bind(.text(machine.mac.description), .text(key), .text(value)).run()
        }
    }

    private static func nics(_ database: Database, of mac: MACAddress) throws(InventoryError) -> [MACAddress] {
        let statement = try database.statement("SELECT mac FROM machine_nics WHERE machine_mac = ?1 ORDER BY mac")
            .bind(.text(mac.description))
        var nics: [MACAddress] = []
        while try statement.step() { nics.append(try self.mac(statement.text(0))) }
        return nics
    }

    private static func labels(_ database: Database, of mac: MACAddress) throws(InventoryError) -> [String: String] {
        let statement = try database.statement("SELECT key, value FROM machine_labels WHERE machine_mac = ?1")
            .bind(.text(mac.description))
        var labels: [String: String] = [:]
        while try statement.step() { labels[statement.text(0) ?? ""] = statement.text(1) ?? "" }
        return labels
    }

    static func decode(_ row: Statement) throws(InventoryError) -> Machine {
        guard let stateText = row.text(6), let state = MachineState(rawValue: stateText) else {
            throw .invalid("machine row \(row.text(0) ?? "?") has unknown state \(row.text(6) ?? "NULL")")
        }
        var ip: IPv4Address?
        if let text = row.text(5) {
            do { ip = try IPv4Address(text) } catch { throw .invalid("machine row \(row.text(0) ?? "?") has bad ip \(text)") }
        }
        return Machine(
            mac: try mac(row.text(0)), hostname: row.text(1), profile: row.text(2), role: row.text(3), cluster: row.text(4),
            ip: ip, state: state, instanceID: row.text(7) ?? "", installToken: row.text(8) ?? "", labels: [:], nics: [],
            createdAt: row.text(9) ?? "", updatedAt: row.text(10) ?? "")
    }

    private static func mac(_ text: String?) throws(InventoryError) -> MACAddress {
        do { return try MACAddress(text ?? "") } catch { throw .invalid("stored MAC \(text ?? "NULL") is not canonical") }
    }
}
