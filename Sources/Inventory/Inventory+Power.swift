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
            let statement = try database.statement("""
                SELECT driver, address, port, username, password, cipher_suite, ca_pem, fingerprint, updated_at
                FROM machine_power WHERE mac = ?1
                """).bind(.text(machine.mac.description))
            guard try statement.step() else { return nil }
            return PowerSettingsRecord(
                mac: machine.mac.description, driver: PowerSettingsRecord.Driver(rawValue: statement.text(0) ?? "") ?? .redfish,
                address: statement.text(1) ?? "", port: statement.isNull(2) ? nil : Int(statement.integer(2)), username: statement.text(3),
                password: statement.text(4), cipherSuite: statement.isNull(5) ? nil : Int(statement.integer(5)), caPEM: statement.text(6),
                fingerprint: statement.text(7), updatedAt: statement.text(8) ?? "")
        }
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
