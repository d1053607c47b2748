import Boot
import Foundation
import Inventory
import Metrics

extension ServerMetrics {
    /// What the scrape-time families read: the running server's inventory and DHCP subnets.
    struct Sources: Sendable {
        let inventory: Inventory
        let subnets: [DHCPSubnet]
    }

    /// Counts the inventory's transitions, installs and commits, and reads machines and leases
    /// from it at each scrape. The last server attached is the one scraped.
    func attach(_ inventory: Inventory, subnets: [DHCPSubnet]) {
        sources.withLock { $0 = Sources(inventory: inventory, subnets: subnets) }
        inventory.observe { [self] change in
            if change.kind == .transitioned, let previous = change.previous {
                transition(event: change.event, from: previous.state.rawValue, to: change.machine.state.rawValue)
            }
            if let seconds = installClock.duration(after: change) { installFinished(seconds: seconds) }
        }
        inventory.observeCommits { [self] seconds in sqliteCommitted(seconds: seconds) }
    }

    func registerInventoryGauges() {
        registry.collectedGauge("provisiond_machines", "Machines by lifecycle state.", labels: ["state"]) { [self] in
            guard let inventory = sources.withLock({ $0 })?.inventory,
                  let counts = try? inventory.machineCountsByState() else { return [] }
            return MachineState.allCases.map { .init(labels: [$0.rawValue], value: .number(Double(counts[$0] ?? 0))) }
        }
        registry.collectedGauge("provisiond_dhcp_leases", "Bound, unexpired DHCP leases per configured subnet (full mode).",
                                labels: ["subnet"]) { [self] in
            guard let current = sources.withLock({ $0 }), let leases = try? current.inventory.leases() else { return [] }
            let now = Int(Date().timeIntervalSince1970)
            let bound = leases.filter { $0.state == .bound && $0.expires > now }
            return current.subnets.map { subnet in
                .init(labels: [subnet.description], value: .number(Double(bound.count { subnet.contains($0.ip) })))
            }
        }
    }
}
