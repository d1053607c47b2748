import Wire

enum SightingRows {
    private static let columns = "mac, arch, uuid, vendor_class, user_class, relay, circuit_id, remote_id, first_seen, last_seen"

    static func upsert(_ database: Database, mac: MACAddress, _ sighting: Sighting, now: String) throws(InventoryError) {
        try database.statement("""
            INSERT INTO sightings (\(columns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
            ON CONFLICT (mac) DO UPDATE SET arch = excluded.arch, uuid = excluded.uuid, vendor_class = excluded.vendor_class,
                user_class = excluded.user_class, relay = excluded.relay, circuit_id = excluded.circuit_id,
                remote_id = excluded.remote_id, last_seen = excluded.last_seen
            """).bind(.text(mac.description), sighting.arch.map { .integer(Int64($0)) } ?? .null, SQLValue(sighting.uuid),
                      SQLValue(sighting.vendorClass), SQLValue(sighting.userClass), SQLValue(sighting.relay?.description),
                      SQLValue(sighting.circuitID), SQLValue(sighting.remoteID), .text(now)).run()
    }

    static func load(_ database: Database, mac: MACAddress) throws(InventoryError) -> Sighting? {
        let statement = try database.statement("SELECT \(columns) FROM sightings WHERE mac = ?1").bind(.text(mac.description))
        return try statement.step() ? decode(statement) : nil
    }

    static func all(_ database: Database) throws(InventoryError) -> [MACAddress: Sighting] {
        let statement = try database.statement("SELECT \(columns) FROM sightings")
        var sightings: [MACAddress: Sighting] = [:]
        while try statement.step() {
            if let mac = try? MACAddress(statement.text(0) ?? "") { sightings[mac] = decode(statement) }
        }
        return sightings
    }

    private static func decode(_ row: Statement) -> Sighting {
        Sighting(arch: row.isNull(1) ? nil : Int(row.integer(1)), uuid: row.text(2), vendorClass: row.text(3), userClass: row.text(4),
                 relay: row.text(5).flatMap { try? IPv4Address($0) }, circuitID: row.text(6), remoteID: row.text(7),
                 firstSeen: row.text(8) ?? "", lastSeen: row.text(9) ?? "")
    }
}
