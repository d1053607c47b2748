import Wire

extension Inventory {
    /// Moves a machine through the lifecycle. The new state and its event row are written in one
    /// transaction; a transition the state machine refuses changes nothing.
    public func apply(_ event: LifecycleEvent, to mac: MACAddress, source: String, detail: String = "") throws(InventoryError) -> Machine {
        let (before, machine) = try write { database throws(InventoryError) in
            var machine = try MachineRows.require(database, matching: mac)
            let before = machine
            try Self.transition(database, &machine, event, source: source, detail: detail)
            return (before, machine)
        }
        notify(InventoryChange(kind: .transitioned, event: event.rawValue, machine: machine, previous: before, source: source, detail: detail))
        return machine
    }

    /// Takes a discovered machine into the inventory with the operator's details.
    public func adopt(_ mac: MACAddress, _ spec: MachineSpec, source: String) throws(InventoryError) -> Machine {
        let (before, machine) = try write { database throws(InventoryError) in
            var machine = try MachineRows.require(database, matching: mac)
            let before = machine
            let spec = try Self.validated(spec, primary: machine.mac)
            machine.hostname = spec.hostname
            machine.profile = spec.profile
            machine.role = spec.role
            machine.cluster = spec.cluster
            machine.ip = spec.ip
            machine.labels = spec.labels
            machine.nics = spec.nics
            try Self.checkMembership(database, &machine)
            try Self.transition(database, &machine, .adopt, source: source, detail: "hostname=\(spec.hostname) profile=\(spec.profile)")
            return (before, machine)
        }
        notify(InventoryChange(kind: .transitioned, event: LifecycleEvent.adopt.rawValue, machine: machine, previous: before, source: source,
                               detail: ""))
        return machine
    }

    /// Adds a row to a machine's timeline that is not a transition, e.g. a refused phone-home.
    public func record(_ event: String, for mac: MACAddress, source: String, detail: String) throws(InventoryError) {
        try write { database throws(InventoryError) in
            let machine = try MachineRows.require(database, matching: mac)
            try EventRows.append(database, mac: machine.mac, event: event, from: machine.state, to: machine.state,
                                 source: source, detail: detail, at: Timestamp.now())
        }
    }

    private static func transition(_ database: Database, _ machine: inout Machine, _ event: LifecycleEvent, source: String,
                                   detail: String) throws(InventoryError) {
        let step: LifecycleTransition
        do { step = try Lifecycle.transition(from: machine.state, on: event) } catch { throw .invalidTransition(error) }
        machine.state = step.to
        var detail = detail
        if step.rotatesInstallToken { machine.installToken = Secrets.installToken() }
        if step.rotatesInstance {
            machine.instanceID = Secrets.instanceID()
            detail = [detail, "instance-id=\(machine.instanceID)"].filter { !$0.isEmpty }.joined(separator: " ")
        }
        machine.updatedAt = Timestamp.now()
        try checkUnique(database, machine)
        try MachineRows.update(database, machine)
        try EventRows.append(database, mac: machine.mac, event: event.rawValue, from: step.from, to: step.to, source: source,
                             detail: detail, at: machine.updatedAt)
        try reconcileFirstServer(database, machine.cluster)
    }
}
