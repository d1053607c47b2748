import Boot
import Synchronization
import Wire

/// The address each known machine's MAC last claimed in a DHCP request we received, ours or
/// overheard (`AddressEvidence.claimed`): in proxy mode another server hands out the addresses,
/// and this is how the boot plane learns them (DESIGN.md §11). Only MACs of inventory machines
/// are kept, so strangers cannot grow it. In memory: a machine claims its address again at every
/// boot, and its next DHCP broadcast restores what a restart forgot.
final class OverheardAddresses: Sendable {
    private let claims = Mutex<[MACAddress: IPv4Address]>([:])

    func record(_ address: IPv4Address, claimedBy mac: MACAddress) {
        claims.withLock { $0[mac] = address }
    }

    /// What any of `macs` claimed, one per MAC that claimed something.
    func addresses(of macs: [MACAddress]) -> [IPv4Address] {
        claims.withLock { claims in macs.compactMap { claims[$0] } }
    }

    func forget(_ macs: [MACAddress]) {
        claims.withLock { claims in for mac in macs { claims[mac] = nil } }
    }
}
