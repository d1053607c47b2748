import Wire

extension Inventory {
    /// Every stored lease, for the DHCP server to load at start and for listing.
    public func leases() throws(InventoryError) -> [Lease] {
        try run { database throws(InventoryError) in
            let statement = try database.statement(
                "SELECT ip, mac, client_id, hostname, state, expires_at, updated_at FROM leases ORDER BY ip")
            var leases: [Lease] = []
            while try statement.step() {
                guard let ip = try? IPv4Address(statement.text(0) ?? ""), let mac = try? MACAddress(statement.text(1) ?? ""),
                      let state = LeaseState(rawValue: statement.text(4) ?? "")
                else { throw .invalid("lease row \(statement.text(0) ?? "?") is malformed") }
                leases.append(Lease(ip: ip, mac: mac, clientID: statement.text(2), hostname: statement.text(3), state: state,
                                    expires: Int(statement.integer(5)), updatedAt: statement.text(6) ?? ""))
            }
            return leases
        }
    }

    /// Writes leases (each replacing its address's previous one) and what netboot clients'
    /// requests said (`sightings`, by MAC) in one transaction, before the server answers them: a
    /// burst of DHCP costs one fsync. A sighting of an unknown MAC makes it a discovered machine
    /// (a `discover` event, told to observers); those are returned.
    @discardableResult
    public func saveLeases(_ leases: [Lease], sightings: [(mac: MACAddress, sighting: Sighting)] = []) throws(InventoryError) -> [Machine] {
        let discovered = try write { database throws(InventoryError) in
            let now = Timestamp.now()
            var discovered: [(machine: Machine, detail: String)] = []
            for (mac, sighting) in sightings where mac.isUnicast {
                var machine = try MachineRows.load(database, matching: mac)
                if machine == nil {
                    let found = Machine(mac: mac, hostname: nil, profile: nil, role: nil, cluster: nil, ip: nil, state: .discovered,
                                        instanceID: Secrets.instanceID(), installToken: Secrets.installToken(), labels: [:], nics: [],
                                        createdAt: now, updatedAt: now)
                    try MachineRows.insert(database, found)
                    try EventRows.append(database, mac: mac, event: "discover", from: nil, to: .discovered, source: "dhcp",
                                         detail: sighting.summary, at: now)
                    discovered.append((found, sighting.summary))
                    machine = found
                }
                if let machine { try SightingRows.upsert(database, mac: machine.mac, sighting, now: now) }
            }
            for lease in leases {
                try database.statement("""
                    INSERT INTO leases (ip, mac, client_id, hostname, state, expires_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                    ON CONFLICT (ip) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, hostname = excluded.hostname,
                        state = excluded.state, expires_at = excluded.expires_at, updated_at = excluded.updated_at
                    """).bind(.text(lease.ip.description), .text(lease.mac.description), SQLValue(lease.clientID), SQLValue(lease.hostname),
                              .text(lease.state.rawValue), .integer(Int64(lease.expires)), .text(now)).run()
            }
            return discovered
        }
        for (machine, detail) in discovered {
            notify(InventoryChange(kind: .created, event: "discover", machine: machine, previous: nil, source: "dhcp", detail: detail))
        }
        return discovered.map(\.machine)
    }

    public func sighting(_ mac: MACAddress) throws(InventoryError) -> Sighting? {
        try run { database throws(InventoryError) in
            guard let machine = try MachineRows.load(database, matching: mac) else { return nil }
            return try SightingRows.load(database, mac: machine.mac)
        }
    }

    /// Where a machine can be reached: its reserved IP, else the newest bound DHCP lease of any of
    /// its NICs. Nil before it has either.
    public func address(of machine: Machine) throws(InventoryError) -> IPv4Address? {
        if let ip = machine.ip { return ip }
        return try read { database throws(InventoryError) in
            let statement = try database.statement("""
                SELECT ip FROM leases WHERE state = 'bound' AND expires_at > ?2
                    AND (mac = ?1 OR mac IN (SELECT mac FROM machine_nics WHERE machine_mac = ?1))
                ORDER BY updated_at DESC LIMIT 1
                """).bind(.text(machine.mac.description), .integer(Int64(Timestamp.unixNow())))
            return try statement.step() ? statement.text(0).flatMap { try? IPv4Address($0) } : nil
        }
    }

    /// Every address bound by a lease to any of the machine's MACs and not yet expired: an installed
    /// OS may lease a second address beside iPXE's (another client identifier, RFC 2131 §4.2).
    public func leasedAddresses(of machine: Machine, now: Int = Timestamp.unixNow()) throws(InventoryError) -> [IPv4Address] {
        // Kept until the first of them expires (or the next write).
        try lookups.answer(.leasedAddresses(machine.mac), now: now) { () throws(InventoryError) in
            try read { database throws(InventoryError) in
                let statement = try database.statement("""
                    SELECT ip, expires_at FROM leases WHERE state = 'bound' AND expires_at > ?2
                        AND (mac = ?1 OR mac IN (SELECT mac FROM machine_nics WHERE machine_mac = ?1))
                    ORDER BY updated_at DESC
                    """).bind(.text(machine.mac.description), .integer(Int64(now)))
                var addresses: [IPv4Address] = []
                var expires = Int.max
                while try statement.step() {
                    if let ip = statement.text(0).flatMap({ try? IPv4Address($0) }) { addresses.append(ip) }
                    expires = min(expires, Int(statement.integer(1)))
                }
                return (addresses, expires: expires)
            }
        }
    }

    /// Every sighting by the machine's primary MAC.
    public func sightings() throws(InventoryError) -> [MACAddress: Sighting] {
        try run { database throws(InventoryError) in try SightingRows.all(database) }
    }
}
