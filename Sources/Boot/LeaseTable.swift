import Model
import Wire

/// Full mode's address book: bound, declined and released leases (persisted by the caller) and
/// outstanding offers (kept in memory only: an offer commits nothing, RFC 2131 §4.3.1).
public struct LeaseTable: Sendable {
    private(set) public var leases: [UInt32: Lease] = [:]
    private var byClient: [String: UInt32] = [:]
    private var offers: [UInt32: Offer] = [:]
    /// The address last offered to each client: a lookup, not a scan of every offer, on each
    /// DISCOVER (tens of thousands are outstanding under load).
    private var offerOfClient: [String: UInt32] = [:]
    private var offersSinceSweep = 0
    private var cursors: [UInt32: UInt32] = [:]

    struct Offer: Sendable {
        let client: String
        let expires: Int
    }

    /// How long an offered address stays set aside for the client it was offered to.
    static let offerSeconds = 60
    /// How long a declined address (found in use by someone else) stays out of the pool.
    public static let quarantineSeconds = 3600

    public init(leases: [Lease]) {
        for lease in leases { store(lease) }
    }

    /// A client is its option 61 when it sends one, else its MAC (RFC 2131 §4.2).
    public static func clientKey(mac: MACAddress, clientID: [UInt8]?) -> String {
        guard let clientID, !clientID.isEmpty else { return "mac:\(mac)" }
        return "id:" + clientID.hexString
    }

    public func lease(of client: String) -> Lease? {
        byClient[client].flatMap { leases[$0] }
    }

    public func lease(at address: IPv4Address) -> Lease? { leases[address.rawValue] }

    /// Whether `address` can go to `client`: no live lease or quarantine of someone else's,
    /// no fresh offer to someone else, not reserved for another machine.
    public func isAvailable(_ address: IPv4Address, to client: String, mac: MACAddress, now: Int,
                            reservedFor: (IPv4Address) -> MACAddress?) -> Bool {
        if let owner = reservedFor(address), owner != mac { return false }
        if let offer = offers[address.rawValue], offer.client != client, offer.expires > now { return false }
        guard let lease = leases[address.rawValue] else { return true }
        switch lease.state {
        case .bound: return lease.expires <= now || byClient[client] == address.rawValue
        case .declined: return lease.expires <= now
        case .released: return true
        }
    }

    /// The address to offer: the client's reservation, its current or last lease, the address it
    /// asks for, or the next free one in the pool (round robin, so freed addresses rest a while).
    public mutating func choose(in subnet: DHCPSubnet, client: String, mac: MACAddress, requested: IPv4Address?,
                                reserved: IPv4Address?, now: Int, reservedFor: (IPv4Address) -> MACAddress?) -> IPv4Address? {
        if let reserved { return subnet.hostContains(reserved) ? reserved : nil }
        func usable(_ address: IPv4Address) -> Bool {
            subnet.range.contains(address.rawValue) && isAvailable(address, to: client, mac: mac, now: now, reservedFor: reservedFor)
        }
        if let previous = byClient[client].map(IPv4Address.init(rawValue:)), usable(previous) { return previous }
        // A repeated DISCOVER (clients retransmit, PXE ROMs collect offers) gets the same offer,
        // not a fresh address each time that would drain the pool.
        if let raw = offerOfClient[client], isOffered(IPv4Address(rawValue: raw), to: client, now: now), usable(IPv4Address(rawValue: raw)) {
            return IPv4Address(rawValue: raw)
        }
        if let requested, usable(requested) { return requested }
        let size = subnet.range.count
        var candidate = cursors[subnet.network.rawValue] ?? subnet.range.lowerBound
        for _ in 0..<size {
            if !subnet.range.contains(candidate) { candidate = subnet.range.lowerBound }
            let address = IPv4Address(rawValue: candidate)
            candidate &+= 1
            if usable(address), leases[address.rawValue]?.state != .released || size == 1 {
                cursors[subnet.network.rawValue] = candidate
                return address
            }
        }
        // Only addresses other clients once released are left: reuse the longest-released one.
        var oldest: IPv4Address?
        for raw in subnet.range {
            let address = IPv4Address(rawValue: raw)
            guard usable(address) else { continue }
            if oldest == nil || (leases[raw]?.expires ?? 0) < (leases[oldest!.rawValue]?.expires ?? 0) { oldest = address }
        }
        return oldest
    }

    public mutating func offer(_ address: IPv4Address, to client: String, now: Int) {
        offers[address.rawValue] = Offer(client: client, expires: now + Self.offerSeconds)
        offerOfClient[client] = address.rawValue
        // Offers nobody took would pile up: sweep the lapsed ones now and then.
        offersSinceSweep += 1
        if offersSinceSweep >= 4096 {
            offersSinceSweep = 0
            offers = offers.filter { $0.value.expires > now }
            offerOfClient = offerOfClient.filter { offers[$0.value]?.client == $0.key }
        }
    }

    /// Whether `address` was offered to `client` and the offer still stands.
    public func isOffered(_ address: IPv4Address, to client: String, now: Int) -> Bool {
        guard let offer = offers[address.rawValue] else { return false }
        return offer.client == client && offer.expires > now
    }

    public mutating func withdrawOffers(to client: String) {
        if let raw = offerOfClient.removeValue(forKey: client), offers[raw]?.client == client { offers[raw] = nil }
    }

    /// Binds `address` to the client; returns the leases to persist before answering: the new
    /// one, and the client's previous address if it had another (a client holds one address).
    public mutating func bind(_ address: IPv4Address, client: String, mac: MACAddress, clientID: [UInt8]?, hostname: String?,
                              now: Int, seconds: Int) -> [Lease] {
        offers[address.rawValue] = nil
        offerOfClient[client] = nil
        var changed: [Lease] = []
        if let previous = byClient[client], previous != address.rawValue, var old = leases[previous], old.state == .bound {
            old.state = .released
            old.expires = now
            store(old)
            changed.append(old)
        }
        let lease = Lease(ip: address, mac: mac, clientID: client.hasPrefix("id:") ? String(client.dropFirst(3)) : nil,
                          hostname: hostname, state: .bound, expires: now + seconds)
        store(lease)
        return changed + [lease]
    }

    /// DHCPDECLINE: the address is in use by something we do not know; keep it out of the pool.
    public mutating func decline(_ address: IPv4Address, mac: MACAddress, now: Int) -> Lease {
        offers[address.rawValue] = nil
        let lease = Lease(ip: address, mac: mac, state: .declined, expires: now + Self.quarantineSeconds)
        store(lease)
        return lease
    }

    /// DHCPRELEASE from the lease's own client; nil if the address is not theirs.
    public mutating func release(_ address: IPv4Address, client: String, now: Int) -> Lease? {
        guard var lease = leases[address.rawValue], lease.state == .bound, byClient[client] == address.rawValue else { return nil }
        lease.state = .released
        lease.expires = now
        store(lease)
        return lease
    }

    private mutating func store(_ lease: Lease) {
        let key = lease.ip.rawValue
        if let old = leases[key], let oldClient = Self.key(of: old), byClient[oldClient] == key { byClient[oldClient] = nil }
        leases[key] = lease
        guard lease.state != .declined, let client = Self.key(of: lease) else { return }
        // Loading stored leases: a client with two rows keeps the one that expires last.
        if let previous = byClient[client], previous != key, let other = leases[previous], other.expires > lease.expires { return }
        byClient[client] = key
    }

    private static func key(of lease: Lease) -> String? {
        if let clientID = lease.clientID { return "id:" + clientID }
        return "mac:\(lease.mac)"
    }
}
