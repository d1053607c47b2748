import Wire

/// The append-only timeline: rows are never changed, and a machine keeps its newest
/// `keptPerMachine` (DESIGN.md §11: whatever a stranger can make us record is bounded).
enum EventRows {
    static let keptPerMachine = 1000

    static func append(_ database: Database, mac: MACAddress, event: String, from: MachineState?, to: MachineState?,
                       source: String, detail: String, at: String) throws(InventoryError) {
        try database.statement("""
            INSERT INTO events (mac, at, event, from_state, to_state, source, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            """).bind(.text(mac.description), .text(at), .text(event), SQLValue(from?.rawValue), SQLValue(to?.rawValue),
                      .text(source), .text(detail)).run()
        // One seek in events_mac: nothing goes while the machine has fewer rows than the cap.
        try database.statement("""
            DELETE FROM events WHERE mac = ?1 AND id < (SELECT id FROM events WHERE mac = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
            """).bind(.text(mac.description), .integer(Int64(keptPerMachine - 1))).run()
    }

    static func list(_ database: Database, mac: MACAddress) throws(InventoryError) -> [MachineEvent] {
        let statement = try database.statement("""
            SELECT id, at, event, from_state, to_state, source, detail FROM events WHERE mac = ?1 ORDER BY id
            """).bind(.text(mac.description))
        var events: [MachineEvent] = []
        while try statement.step() {
            events.append(MachineEvent(
                id: statement.integer(0), mac: mac, at: statement.text(1) ?? "", event: statement.text(2) ?? "",
                from: statement.text(3).flatMap(MachineState.init(rawValue:)), to: statement.text(4).flatMap(MachineState.init(rawValue:)),
                source: statement.text(5) ?? "", detail: statement.text(6) ?? ""))
        }
        return events
    }
}
