import Boot
import Inventory
import Net
import Synchronization
import Wire

/// The boot plane's origin check (DESIGN.md §11): a request that reads a machine's secrets or
/// moves its install on must come from one of the machine's addresses (its reserved IP, a lease,
/// a DHCP request we heard), unless its profile or the server trusts the MAC alone. The decision is
/// `OriginCheck`'s; this gathers the evidence, and records a refusal as one event per machine a
/// minute, so a stranger's requests cannot fill the machine's timeline.
final class OriginGuard: Sendable {
    private let inventory: Inventory
    private let profiles: ProfileCatalog
    private let trust: MetadataTrust
    private let overheard: OverheardAddresses
    private let log: Logger
    /// When each machine's last refusal was recorded, in Unix seconds.
    private let refusalRecorded = Mutex<[MACAddress: Int]>([:])

    /// Seconds between two recorded refusals of the same machine.
    static let refusalInterval = 60

    init(inventory: Inventory, profiles: ProfileCatalog, trust: MetadataTrust, overheard: OverheardAddresses, log: Logger) {
        self.inventory = inventory
        self.profiles = profiles
        self.trust = trust
        self.overheard = overheard
        self.log = log
    }

    /// The machine's profile's `metadataTrust`, else the server's.
    func trust(for machine: Machine) -> MetadataTrust {
        machine.profile.flatMap(profiles.profile)?.profile.metadataTrust ?? trust
    }

    func verdict(_ machine: Machine, from peer: SocketAddress) throws(InventoryError) -> OriginCheck.Verdict {
        let trust = trust(for: machine)
        guard trust == .address else { return .trusted(nil) }
        var evidence: [AddressEvidence] = []
        if let ip = machine.ip { evidence.append(AddressEvidence(ip, .reservedIP)) }
        evidence += try inventory.leasedAddresses(of: machine).map { AddressEvidence($0, .lease) }
        evidence += overheard.addresses(of: [machine.mac] + machine.nics).map { AddressEvidence($0, .dhcpRequest) }
        let verdict = OriginCheck.verdict(source: Self.ipv4(peer), sourceText: peer.hostText, evidence: evidence, trust: trust)
        guard case .refused = verdict else { return verdict }
        // Rendering costs more than the lookups: only when they did not match.
        evidence += configuredAddresses(machine).map { AddressEvidence($0, .configured) }
        return OriginCheck.verdict(source: Self.ipv4(peer), sourceText: peer.hostText, evidence: evidence, trust: trust)
    }

    /// The addresses the machine's profile's network-config and network-interfaces, rendered for
    /// it, assign it. A template that does not render gives none here; the machine's own fetch
    /// of it records the error (`render-failed`).
    private func configuredAddresses(_ machine: Machine) -> [IPv4Address] {
        guard let profile = machine.profile.flatMap(profiles.profile) else { return [] }
        let cluster = (try? inventory.cluster(of: machine)) ?? nil
        // No address in a network configuration comes from the server URL.
        let texts = [try? profile.render(.networkConfig, machine: machine, cluster: cluster, serverURL: ""),
                     try? profile.renderNetworkInterfaces(machine: machine, cluster: cluster, serverURL: "")]
        return texts.compactMap { $0 ?? nil }.flatMap(ConfiguredAddresses.extract)
    }

    /// A 403 when `peer` is not the machine's (the refusal recorded as `WHAT-refused`, at most
    /// once a minute per machine); nil when it is.
    func refusal(_ machine: Machine, from peer: SocketAddress, what: String) throws(InventoryError) -> HTTPResponse? {
        guard case .refused(let reason) = try verdict(machine, from: peer) else { return nil }
        try recordRefusal(machine.mac, what: what, reason: reason)
        return .error(403, "\(what) of \(machine.mac) refused: \(reason)")
    }

    /// Records a refusal unless one of this machine's was recorded less than a minute ago.
    func recordRefusal(_ mac: MACAddress, what: String, reason: String, now: Int = Timestamp.unixNow()) throws(InventoryError) {
        let due = refusalRecorded.withLock { recorded in
            if let last = recorded[mac], now - last < Self.refusalInterval { return false }
            // Keys are inventory machines only (callers looked them up), but deleted ones linger.
            if recorded.count > 10_000 { recorded = recorded.filter { now - $0.value < Self.refusalInterval } }
            recorded[mac] = now
            return true
        }
        guard due else { return }
        try inventory.record("\(what)-refused", for: mac, source: "http", detail: reason)
        log.warning("\(what)-refused", ["mac": mac.description, "why": reason])
    }

    /// The IPv4 address of `peer`, also when a dual-stack socket shows it as `::ffff:a.b.c.d`.
    static func ipv4(_ peer: SocketAddress) -> IPv4Address? {
        switch peer.host {
        case .v4(let raw): return IPv4Address(rawValue: UInt32(bigEndian: raw))
        case .v6(let bytes):
            guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff else { return nil }
            return IPv4Address(rawValue: bytes[12...].reduce(0) { $0 << 8 | UInt32($1) })
        }
    }
}
