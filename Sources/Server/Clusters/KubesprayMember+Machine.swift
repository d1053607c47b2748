import Clusters
import Inventory
import Wire

extension KubesprayMember.Phase {
    /// Where a machine's lifecycle state (DESIGN.md §3) puts it for deployment; nil for retired
    /// machines, which are no longer members.
    init?(_ state: MachineState) {
        switch state {
        case .discovered, .registered, .booting, .installing: self = .pending
        case .installed: self = .installed
        case .ready: self = .ready
        case .failed: self = .failed
        case .retired: return nil
        }
    }
}

extension KubesprayMember {
    /// A machine of a kubespray cluster as a member, at `address` (its reserved IP or its DHCP
    /// lease: `Inventory.address(of:)`); nil when it is retired. A role string that does not parse
    /// is refused (the inventory validates roles when they are set, so this only guards against
    /// older rows).
    init?(_ machine: Machine, address: IPv4Address?) throws(KubesprayRoleError) {
        guard let phase = Phase(machine.state) else { return nil }
        let roles = try machine.role.map { text throws(KubesprayRoleError) in try KubesprayRole.parseSet(text) } ?? []
        self.init(mac: machine.mac, name: machine.hostname ?? machine.mac.description, ip: address, roles: roles, phase: phase)
    }
}
