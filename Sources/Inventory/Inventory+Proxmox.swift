import Wire

extension Inventory {
    public func addProxmoxEndpoint(_ record: ProxmoxEndpointRecord) throws(InventoryError) -> ProxmoxEndpointRecord {
        let name = try FieldRules.name(record.name, field: "endpoint name")
        return try write { database throws(InventoryError) in
            guard try Self.endpoint(database, name) == nil else { throw .conflict("Proxmox endpoint \(name) already exists") }
            var stored = record
            stored.name = name
            stored.createdAt = Timestamp.now()
            try database.statement("""
                INSERT INTO proxmox_endpoints (name, url, auth, principal, secret, ca_pem, fingerprint, created_at)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                """).bind(.text(name), .text(stored.url), .text(stored.auth.rawValue), .text(stored.principal), .text(stored.secret),
                          SQLValue(stored.caPEM), SQLValue(stored.fingerprint), .text(stored.createdAt)).run()
            return stored
        }
    }

    public func proxmoxEndpoint(_ name: String) throws(InventoryError) -> ProxmoxEndpointRecord? {
        try run { database throws(InventoryError) in try Self.endpoint(database, name) }
    }

    public func proxmoxEndpoints() throws(InventoryError) -> [ProxmoxEndpointRecord] {
        try run { database throws(InventoryError) in
            let statement = try database.statement("\(Self.endpointColumns) ORDER BY name")
            var records: [ProxmoxEndpointRecord] = []
            while try statement.step() { records.append(Self.endpointRow(statement)) }
            return records
        }
    }

    /// Removes an endpoint; refused while VMs made through it are recorded.
    public func deleteProxmoxEndpoint(_ name: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            guard try Self.endpoint(database, name) != nil else { throw .invalid("no Proxmox endpoint named \(name)") }
            let vms = try database.statement("SELECT count(*) FROM proxmox_vms WHERE endpoint = ?1").bind(.text(name))
            _ = try vms.step()
            guard vms.integer(0) == 0 else { throw .conflict("Proxmox endpoint \(name) still has \(vms.integer(0)) VMs: delete them first") }
            try database.statement("DELETE FROM proxmox_endpoints WHERE name = ?1").bind(.text(name)).run()
        }
    }

    /// Reserves the lowest vmid from `candidate` up that no create in progress and no recorded VM
    /// of the endpoint holds.
    public func reserveVMID(endpoint: String, from candidate: Int, purpose: String) throws(InventoryError) -> Int {
        try write { database throws(InventoryError) in
            var vmid = candidate
            let taken = try database.statement("""
                SELECT 1 FROM proxmox_vmid_reservations WHERE endpoint = ?1 AND vmid = ?2
                UNION ALL SELECT 1 FROM proxmox_vms WHERE endpoint = ?1 AND vmid = ?2
                """)
            while true {
                taken.reset()
                try taken.bind(.text(endpoint), .integer(Int64(vmid)))
                if try !taken.step() { break }
                vmid += 1
            }
            taken.reset()
            try database.statement("INSERT INTO proxmox_vmid_reservations (endpoint, vmid, purpose, reserved_at) VALUES (?1, ?2, ?3, ?4)")
                .bind(.text(endpoint), .integer(Int64(vmid)), .text(purpose), .text(Timestamp.now())).run()
            return vmid
        }
    }

    public func releaseVMID(endpoint: String, vmid: Int) throws(InventoryError) {
        try write { database throws(InventoryError) in
            try database.statement("DELETE FROM proxmox_vmid_reservations WHERE endpoint = ?1 AND vmid = ?2")
                .bind(.text(endpoint), .integer(Int64(vmid))).run()
        }
    }

    public func addProxmoxVM(_ record: ProxmoxVMRecord) throws(InventoryError) {
        try write { database throws(InventoryError) in
            try database.statement("""
                INSERT INTO proxmox_vms (name, endpoint, node, vmid, mac, template, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """).bind(.text(record.name), .text(record.endpoint), .text(record.node), .integer(Int64(record.vmid)),
                          .text(record.mac), .text(record.template), .text(Timestamp.now())).run()
        }
    }

    public func proxmoxVM(_ name: String) throws(InventoryError) -> ProxmoxVMRecord? {
        try proxmoxVMs(where: "name = ?1", name).first
    }

    /// Every recorded VM, or those of one endpoint.
    public func proxmoxVMs(endpoint: String? = nil) throws(InventoryError) -> [ProxmoxVMRecord] {
        guard let endpoint else { return try proxmoxVMs(where: "1", nil) }
        return try proxmoxVMs(where: "endpoint = ?1", endpoint)
    }

    public func deleteProxmoxVM(_ name: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            try database.statement("DELETE FROM proxmox_vms WHERE name = ?1").bind(.text(name)).run()
        }
    }

    /// Adds a step of an operation to a machine's timeline without changing its state.
    public func recordEvent(_ mac: MACAddress, event: String, detail: String, source: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            try EventRows.append(database, mac: machine.mac, event: event, from: machine.state, to: machine.state, source: source,
                                 detail: detail, at: Timestamp.now())
        }
    }

    private func proxmoxVMs(where condition: String, _ value: String?) throws(InventoryError) -> [ProxmoxVMRecord] {
        try run { database throws(InventoryError) in
            let statement = try database.statement(
                "SELECT name, endpoint, node, vmid, mac, template, created_at FROM proxmox_vms WHERE \(condition) ORDER BY name")
            if let value { try statement.bind(.text(value)) }
            var records: [ProxmoxVMRecord] = []
            while try statement.step() {
                records.append(ProxmoxVMRecord(
                    name: statement.text(0) ?? "", endpoint: statement.text(1) ?? "", node: statement.text(2) ?? "",
                    vmid: Int(statement.integer(3)), mac: statement.text(4) ?? "", template: statement.text(5) ?? "",
                    createdAt: statement.text(6) ?? ""))
            }
            return records
        }
    }

    private static let endpointColumns = "SELECT name, url, auth, principal, secret, ca_pem, fingerprint, created_at FROM proxmox_endpoints"

    private static func endpoint(_ database: Database, _ name: String) throws(InventoryError) -> ProxmoxEndpointRecord? {
        let statement = try database.statement("\(endpointColumns) WHERE name = ?1").bind(.text(name))
        return try statement.step() ? endpointRow(statement) : nil
    }

    private static func endpointRow(_ statement: Statement) -> ProxmoxEndpointRecord {
        ProxmoxEndpointRecord(
            name: statement.text(0) ?? "", url: statement.text(1) ?? "", auth: ProxmoxEndpointRecord.Auth(rawValue: statement.text(2) ?? "") ?? .token,
            principal: statement.text(3) ?? "", secret: statement.text(4) ?? "", caPEM: statement.text(5), fingerprint: statement.text(6),
            createdAt: statement.text(7) ?? "")
    }
}
