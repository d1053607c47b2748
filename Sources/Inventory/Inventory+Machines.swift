import Wire

extension Inventory {
    /// Adds a machine in state `registered`.
    public func register(_ mac: MACAddress, _ spec: MachineSpec, source: String) throws(InventoryError) -> Machine {
        let spec = try Self.validated(spec, primary: mac)
        let machine = try write { database throws(InventoryError) in
            if let existing = try MachineRows.load(database, matching: mac) {
                if existing.mac == mac, existing.state == .discovered {
                    throw .conflict("MAC \(mac) was discovered and is waiting for adoption: adopt it instead (provisionctl adopt \(mac) ...)")
                }
                throw Self.taken(mac, by: existing)
            }
            let now = Timestamp.now()
            var machine = Machine(
                mac: mac, hostname: spec.hostname, profile: spec.profile, role: spec.role, cluster: spec.cluster, ip: spec.ip,
                state: .registered, instanceID: Secrets.instanceID(), installToken: Secrets.installToken(), labels: spec.labels,
                nics: spec.nics, createdAt: now, updatedAt: now)
            try Self.checkMembership(database, &machine)
            try Self.checkUnique(database, machine)
            try MachineRows.insert(database, machine)
            try EventRows.append(database, mac: mac, event: "register", from: nil, to: .registered, source: source,
                                 detail: Self.describeRegistration(machine), at: now)
            try Self.reconcileFirstServer(database, machine.cluster)
            return machine
        }
        notify(InventoryChange(kind: .created, event: "register", machine: machine, previous: nil, source: source,
                               detail: Self.describeRegistration(machine)))
        return machine
    }

    /// Records a MAC seen on the network: an unknown one becomes a discovered machine (a `discover`
    /// event, told to observers). A `sighting` (what its DHCP request said about it) is stored
    /// with the machine, known or new. Returns the machine the MAC belongs to.
    public func discover(_ mac: MACAddress, sighting: Sighting? = nil, source: String, detail: String) throws(InventoryError) -> Machine {
        guard mac.isUnicast else { throw .invalid("MAC \(mac) is not a unicast address a machine can own") }
        let (machine, created) = try write { database throws(InventoryError) in
            let now = Timestamp.now()
            var found = try MachineRows.load(database, matching: mac)
            let created = found == nil
            if found == nil {
                let machine = Machine(
                    mac: mac, hostname: nil, profile: nil, role: nil, cluster: nil, ip: nil, state: .discovered,
                    instanceID: Secrets.instanceID(), installToken: Secrets.installToken(), labels: [:], nics: [],
                    createdAt: now, updatedAt: now)
                try MachineRows.insert(database, machine)
                try EventRows.append(database, mac: mac, event: "discover", from: nil, to: .discovered, source: source, detail: detail, at: now)
                found = machine
            }
            guard let machine = found else { throw .notFound(mac) }
            if let sighting { try SightingRows.upsert(database, mac: machine.mac, sighting, now: now) }
            return (machine, created)
        }
        if created { notify(InventoryChange(kind: .created, event: "discover", machine: machine, previous: nil, source: source, detail: detail)) }
        return machine
    }

    /// Deletes the oldest discovered machines beyond `limit` (DESIGN.md §11: a stranger inventing
    /// MACs cannot grow the inventory), each told to observers as deleted; returns them.
    public func pruneDiscovered(keeping limit: Int) throws(InventoryError) -> [Machine] {
        let pruned = try write { database throws(InventoryError) in
            let statement = try database.statement("""
                SELECT \(MachineRows.columns) FROM machines WHERE state = 'discovered' ORDER BY created_at, rowid
                    LIMIT max(0, (SELECT count(*) FROM machines WHERE state = 'discovered') - ?1)
                """).bind(.integer(Int64(limit)))
            var machines: [Machine] = []
            while try statement.step() { machines.append(try MachineRows.decode(statement)) }
            for machine in machines {
                try database.statement("DELETE FROM machines WHERE mac = ?1").bind(.text(machine.mac.description)).run()
            }
            return machines
        }
        for machine in pruned {
            notify(InventoryChange(kind: .deleted, event: "prune", machine: machine, previous: nil, source: "discovery",
                                   detail: "more than \(limit) discovered machines"))
        }
        return pruned
    }

    /// The machine whose primary MAC or extra NIC is `mac`, or nil.
    public func machine(_ mac: MACAddress) throws(InventoryError) -> Machine? {
        try lookups.answer(.machine(mac)) { () throws(InventoryError) in
            try read { database throws(InventoryError) in try MachineRows.load(database, matching: mac) }
        }
    }

    public func machines(state: MachineState? = nil) throws(InventoryError) -> [Machine] {
        try run { database throws(InventoryError) in try MachineRows.all(database, state: state) }
    }

    /// Changes fields of a machine (not its state) and records what changed.
    public func update(_ mac: MACAddress, _ patch: MachinePatch, source: String) throws(InventoryError) -> Machine {
        guard !patch.isEmpty else { throw .invalid("nothing to update: give at least one field") }
        let (before, machine) = try write { database throws(InventoryError) in
            var machine = try MachineRows.require(database, matching: mac)
            let before = machine
            if let hostname = patch.hostname { machine.hostname = try FieldRules.hostname(hostname) }
            if let profile = patch.profile { machine.profile = try FieldRules.name(profile, field: "profile") }
            if let role = patch.role { machine.role = role }
            if let cluster = patch.cluster {
                machine.cluster = try cluster.map { name throws(InventoryError) in try FieldRules.name(name, field: "cluster") }
            }
            if let ip = patch.ip { machine.ip = ip }
            if let labels = patch.labels { machine.labels = try FieldRules.labels(labels) }
            if let nics = patch.nics { machine.nics = try Self.validatedNICs(nics, primary: machine.mac) }
            try Self.checkMembership(database, &machine)
            try Self.checkUnique(database, machine)
            machine.updatedAt = Timestamp.now()
            try MachineRows.update(database, machine)
            try EventRows.append(database, mac: machine.mac, event: "update", from: machine.state, to: machine.state, source: source,
                                 detail: Self.describeChanges(from: before, to: machine), at: machine.updatedAt)
            for cluster in Set([before.cluster, machine.cluster].compactMap { $0 }) { try Self.reconcileFirstServer(database, cluster) }
            return (before, machine)
        }
        notify(InventoryChange(kind: .updated, event: "update", machine: machine, previous: before, source: source,
                               detail: Self.describeChanges(from: before, to: machine)))
        return machine
    }

    /// Removes a machine with its NICs, labels and timeline.
    public func delete(_ mac: MACAddress, source: String = "api") throws(InventoryError) {
        let machine = try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            try database.statement("DELETE FROM machines WHERE mac = ?1").bind(.text(machine.mac.description)).run()
            try Self.reconcileFirstServer(database, machine.cluster)
            return machine
        }
        notify(InventoryChange(kind: .deleted, event: "delete", machine: machine, previous: nil, source: source, detail: ""))
    }

    public func events(_ mac: MACAddress) throws(InventoryError) -> [MachineEvent] {
        try run { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            return try EventRows.list(database, mac: machine.mac)
        }
    }

    static func validated(_ spec: MachineSpec, primary: MACAddress) throws(InventoryError) -> MachineSpec {
        guard primary.isUnicast else { throw .invalid("MAC \(primary) is not a unicast address a machine can own") }
        var spec = spec
        spec.hostname = try FieldRules.hostname(spec.hostname)
        spec.profile = try FieldRules.name(spec.profile, field: "profile")
        spec.cluster = try spec.cluster.map { name throws(InventoryError) in try FieldRules.name(name, field: "cluster") }
        spec.labels = try FieldRules.labels(spec.labels)
        spec.nics = try validatedNICs(spec.nics, primary: primary)
        return spec
    }

    private static func validatedNICs(_ nics: [MACAddress], primary: MACAddress) throws(InventoryError) -> [MACAddress] {
        for nic in nics where !nic.isUnicast { throw .invalid("NIC MAC \(nic) is not a unicast address") }
        guard !nics.contains(primary) else { throw .invalid("NIC MAC \(primary) is the machine's primary MAC") }
        guard Set(nics).count == nics.count else { throw .invalid("the same NIC MAC is listed twice") }
        return nics.sorted()
    }

    /// Refuses a hostname, IP or NIC MAC that another machine has.
    static func checkUnique(_ database: Database, _ machine: Machine) throws(InventoryError) {
        if let hostname = machine.hostname {
            let owner = try database.statement("SELECT mac FROM machines WHERE hostname = ?1 AND mac <> ?2")
                .bind(.text(hostname), .text(machine.mac.description))
            if try owner.step() { throw .conflict("hostname \(hostname) is already used by machine \(owner.text(0) ?? "?")") }
        }
        if let ip = machine.ip {
            let owner = try database.statement("SELECT mac, hostname FROM machines WHERE ip = ?1 AND mac <> ?2")
                .bind(.text(ip.description), .text(machine.mac.description))
            if try owner.step() {
                throw .conflict("IP \(ip) is already assigned to machine \(owner.text(0) ?? "?") (\(owner.text(1) ?? "no hostname"))")
            }
        }
        for nic in machine.nics {
            if let existing = try MachineRows.load(database, matching: nic), existing.mac != machine.mac {
                throw taken(nic, by: existing)
            }
        }
    }

    static func taken(_ mac: MACAddress, by machine: Machine) -> InventoryError {
        let name = machine.hostname ?? "no hostname"
        if machine.mac == mac { return .conflict("MAC \(mac) is already registered (\(name), \(machine.state.rawValue))") }
        return .conflict("MAC \(mac) is already a NIC of machine \(machine.mac) (\(name))")
    }

    private static func describeRegistration(_ machine: Machine) -> String {
        var detail = "hostname=\(machine.hostname ?? "-") profile=\(machine.profile ?? "-")"
        if let cluster = machine.cluster { detail += " cluster=\(cluster) role=\(machine.role ?? "-")" }
        return detail
    }

    private static func describeChanges(from old: Machine, to new: Machine) -> String {
        var changes: [String] = []
        func note(_ field: String, _ before: String?, _ after: String?) {
            if before != after { changes.append("\(field): \(before ?? "-") -> \(after ?? "-")") }
        }
        note("hostname", old.hostname, new.hostname)
        note("profile", old.profile, new.profile)
        note("role", old.role, new.role)
        note("cluster", old.cluster, new.cluster)
        note("ip", old.ip?.description, new.ip?.description)
        if old.labels != new.labels { changes.append("labels") }
        if old.nics != new.nics { changes.append("nics: \(new.nics.map(\.description).joined(separator: ","))") }
        return changes.isEmpty ? "no change" : changes.joined(separator: "; ")
    }
}
