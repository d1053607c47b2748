import Wire

extension Inventory {
    /// Stores (or replaces) a machine's power settings, keyed by the machine's primary MAC.
    @discardableResult
    public func setPowerSettings(_ record: PowerSettingsRecord) throws(InventoryError) -> PowerSettingsRecord {
        let mac: MACAddress
        do { mac = try MACAddress(record.mac) } catch { throw .invalid("bad MAC \"\(record.mac)\"") }
        return try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            var stored = record
            stored.mac = machine.mac.description
            stored.updatedAt = Timestamp.now()
            try database.statement("""
                INSERT OR REPLACE INTO machine_power
                    (mac, driver, address, port, username, password, cipher_suite, ca_pem, fingerprint, updated_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                """).bind(.text(stored.mac), .text(stored.driver.rawValue), .text(stored.address), Self.integer(stored.port),
                          SQLValue(stored.username), SQLValue(stored.password), Self.integer(stored.cipherSuite),
                          SQLValue(stored.caPEM), SQLValue(stored.fingerprint), .text(stored.updatedAt)).run()
            return stored
        }
    }

    /// The machine's power settings; nil when it has none. Unknown machines throw `notFound`.
    public func powerSettings(_ mac: MACAddress) throws(InventoryError) -> PowerSettingsRecord? {
        try run { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            let statement = try database.statement("SELECT \(Self.powerColumns) FROM machine_power WHERE mac = ?1").bind(.text(machine.mac.description))
            return try statement.step() ? Self.powerSettings(statement) : nil
        }
    }

    /// Every machine's power settings, by MAC (the power poller's round).
    public func allPowerSettings() throws(InventoryError) -> [PowerSettingsRecord] {
        try run { database throws(InventoryError) in
            let statement = try database.statement("SELECT \(Self.powerColumns) FROM machine_power ORDER BY mac")
            var records: [PowerSettingsRecord] = []
            while try statement.step() { records.append(Self.powerSettings(statement)) }
            return records
        }
    }

    private static let powerColumns = "mac, driver, address, port, username, password, cipher_suite, ca_pem, fingerprint, updated_at"

    private static func powerSettings(_ statement: Statement) -> PowerSettingsRecord {
        PowerSettingsRecord(
            mac: statement.text(0) ?? "", driver: PowerSettingsRecord.Driver(rawValue: statement.text(1) ?? "") ?? .redfish,
            address: statement.text(2) ?? "", port: statement.isNull(3) ? nil : Int(statement.integer(3)), username: statement.text(4),
            password: statement.text(5), cipherSuite: statement.isNull(6) ? nil : Int(statement.integer(6)), caPEM: statement.text(7),
            fingerprint: statement.text(8), updatedAt: statement.text(9) ?? "")
    }

    /// Forgets the machine's power settings; false when it had none.
    @discardableResult
    public func deletePowerSettings(_ mac: MACAddress) throws(InventoryError) -> Bool {
        try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            let existing = try database.statement("SELECT 1 FROM machine_power WHERE mac = ?1").bind(.text(machine.mac.description))
            guard try existing.step() else { return false }
            try database.statement("DELETE FROM machine_power WHERE mac = ?1").bind(.text(machine.mac.description)).run()
            return true
        }
    }

    private static func integer(_ value: Int?) -> SQLValue { value.map { .integer(Int64($0)) } ?? .null }
}
