import Model
import Wire

/// What the DHCP server knows of the inventory's machines, held in memory so a decision never
/// touches the store (DESIGN.md §11): a database error can then never make a reserved address look
/// free, and a flood of requests costs no SQLite reads. Each MAC (primary or extra NIC) maps to its
/// machine's state and reserved address; each reserved address to the machine holding it.
/// Kept current by whoever sees the inventory's changes (`update`, `remove`).
public struct DHCPMachines: Sendable {
    /// Every MAC, primary or NIC, to its machine's primary MAC.
    private var owner: [MACAddress: MACAddress] = [:]
    /// Per primary MAC: the machine as DHCP sees it, and every MAC it answers to.
    private var machines: [MACAddress: (known: KnownMachine, macs: [MACAddress])] = [:]
    private var holders: [IPv4Address: MACAddress] = [:]

    public init(_ machines: [Machine] = []) {
        for machine in machines { update(machine) }
    }

    /// The machine `mac` belongs to (as its primary MAC or an extra NIC), nil when unknown.
    public func machine(_ mac: MACAddress) -> KnownMachine? {
        owner[mac].flatMap { machines[$0]?.known }
    }

    /// The primary MAC of the machine that has `address` as its reserved IP.
    public func holder(of address: IPv4Address) -> MACAddress? { holders[address] }

    /// Takes `machine` as it is now, replacing what was known of it.
    public mutating func update(_ machine: Machine) {
        remove(machine.mac)
        let macs = [machine.mac] + machine.nics
        machines[machine.mac] = (KnownMachine(state: machine.state, reservedAddress: machine.ip), macs)
        for mac in macs { owner[mac] = machine.mac }
        if let ip = machine.ip { holders[ip] = machine.mac }
    }

    /// Forgets the machine whose primary MAC is `primary`. A NIC or address another machine has
    /// taken since stays that machine's.
    public mutating func remove(_ primary: MACAddress) {
        guard let entry = machines.removeValue(forKey: primary) else { return }
        for mac in entry.macs where owner[mac] == primary { owner[mac] = nil }
        if let ip = entry.known.reservedAddress, holders[ip] == primary { holders[ip] = nil }
    }
}
