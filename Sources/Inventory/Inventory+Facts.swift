import Wire

/// A machine's latest hardware facts and when they came.
public struct StoredFacts: Equatable, Sendable {
    public let facts: HardwareFacts
    public let reportedAt: String

    public init(facts: HardwareFacts, reportedAt: String) {
        self.facts = facts
        self.reportedAt = reportedAt
    }
}

extension Inventory {
    /// Keeps `facts` as the machine's latest (replacing earlier ones) with a `commissioned` event
    /// carrying their summary, in one transaction. The state does not change.
    @discardableResult
    public func recordFacts(_ facts: HardwareFacts, for mac: MACAddress, source: String) throws(InventoryError) -> StoredFacts {
        try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            let now = Timestamp.now()
            try database.statement("""
                INSERT INTO machine_facts (mac, facts, environment, reported_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (mac) DO UPDATE SET facts = excluded.facts, environment = excluded.environment,
                    reported_at = excluded.reported_at
                """).bind(.text(machine.mac.description), .text(facts.json.encoded()), SQLValue(facts.environment), .text(now)).run()
            try EventRows.append(database, mac: machine.mac, event: "commissioned", from: machine.state, to: machine.state, source: source,
                                 detail: facts.summary, at: now)
            return StoredFacts(facts: facts, reportedAt: now)
        }
    }

    /// The machine's latest facts (the machine found by any of its MACs); nil when none came.
    public func facts(of mac: MACAddress) throws(InventoryError) -> StoredFacts? {
        try lookups.answer(.facts(mac)) { () throws(InventoryError) in try storedFacts(of: mac) }
    }

    private func storedFacts(of mac: MACAddress) throws(InventoryError) -> StoredFacts? {
        try read { database throws(InventoryError) -> StoredFacts? in
            guard let machine = try MachineRows.load(database, matching: mac) else { throw .notFound(mac) }
            let statement = try database.statement("SELECT facts, reported_at FROM machine_facts WHERE mac = ?1")
                .bind(.text(machine.mac.description))
            defer { statement.reset() }
            guard try statement.step() else { return nil }
            return StoredFacts(facts: try Self.decodeStored(statement.text(0) ?? "", of: machine.mac), reportedAt: statement.text(1) ?? "")
        }
    }

    /// Stored facts were checked when they came; a row that no longer decodes is corruption.
    private static func decodeStored(_ text: String, of mac: MACAddress) throws(InventoryError) -> HardwareFacts {
        do { return try HardwareFacts.decode(Array(text.utf8)) } catch {
            throw .invalid("stored facts of \(mac) do not decode: \(error.description)")
        }
    }
}
