@testable import Boot
import Model
import Testing
import Wire

@Suite("LeaseTable") struct LeaseTableTests {
    typealias F = DHCPFixture
    static let a = "mac:aa:bb:cc:dd:ee:01"
    static let b = "mac:aa:bb:cc:dd:ee:02"

    // MARK: clientKey

    @Test(arguments: [
        ([UInt8]?.none, "mac:aa:bb:cc:dd:ee:01"),
        ([], "mac:aa:bb:cc:dd:ee:01"),
        ([1, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x01], "id:01aabbccddee01"),
        ([0xFF, 0x00, 0x0F], "id:ff000f"),
    ])
    func clientKey(clientID: [UInt8]?, expected: String) {
        #expect(LeaseTable.clientKey(mac: F.macA, clientID: clientID) == expected)
    }

    @Test func clientKeyOfAClientIDIgnoresTheMAC() {
        #expect(LeaseTable.clientKey(mac: F.macA, clientID: [7]) == LeaseTable.clientKey(mac: F.macB, clientID: [7]))
        #expect(LeaseTable.clientKey(mac: F.macA, clientID: nil) != LeaseTable.clientKey(mac: F.macB, clientID: nil))
    }

    // MARK: choose

    func choose(_ table: inout LeaseTable, _ subnet: DHCPSubnet, _ client: String, mac: MACAddress = F.macA,
                requested: IPv4Address? = nil, reserved: IPv4Address? = nil, now: Int = 1_000,
                reservedFor: (IPv4Address) -> MACAddress? = { _ in nil }) -> IPv4Address? {
        table.choose(in: subnet, client: client, mac: mac, requested: requested, reserved: reserved, now: now, reservedFor: reservedFor)
    }

    @Test func chooseWalksThePoolRoundRobinAndWraps() {
        var table = LeaseTable(leases: [])
        let subnet = F.subnet77(range: ("10.77.0.100", "10.77.0.102"))
        let picks = (0..<7).map { choose(&table, subnet, "mac:client-\($0)") }
        #expect(picks == ["100", "101", "102", "100", "101", "102", "100"].map { F.ip("10.77.0.\($0)") })
    }

    @Test func cursorSkipsAddressesInUse() {
        var table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.101"), mac: F.macB, state: .bound, expires: 9_999)])
        let subnet = F.subnet77(range: ("10.77.0.100", "10.77.0.102"))
        #expect(choose(&table, subnet, "mac:x") == F.ip("10.77.0.100"))
        #expect(choose(&table, subnet, "mac:y") == F.ip("10.77.0.102"))
        #expect(choose(&table, subnet, "mac:z") == F.ip("10.77.0.100"))
    }

    @Test func cursorsArePerSubnet() {
        var table = LeaseTable(leases: [])
        let s77 = F.subnet77()
        let s78 = F.subnet78
        #expect(choose(&table, s77, "mac:1") == F.ip("10.77.0.100"))
        #expect(choose(&table, s77, "mac:2") == F.ip("10.77.0.101"))
        #expect(choose(&table, s78, "mac:3") == F.ip("10.78.0.100"))
        #expect(choose(&table, s77, "mac:4") == F.ip("10.77.0.102"))
    }

    @Test func choosePrefersReservationThenPreviousThenRequested() {
        let subnet = F.subnet77()
        var table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.104"), mac: F.macA, state: .bound, expires: 9_999)])
        #expect(choose(&table, subnet, Self.a, requested: F.ip("10.77.0.107"), reserved: F.ip("10.77.0.50")) == F.ip("10.77.0.50"))
        #expect(choose(&table, subnet, Self.a, requested: F.ip("10.77.0.107")) == F.ip("10.77.0.104"))
        #expect(choose(&table, subnet, Self.b, mac: F.macB, requested: F.ip("10.77.0.107")) == F.ip("10.77.0.107"))
        // Requested but taken: next in the pool.
        #expect(choose(&table, subnet, Self.b, mac: F.macB, requested: F.ip("10.77.0.104")) == F.ip("10.77.0.100"))
        // Reservation on the network address is refused outright.
        #expect(choose(&table, subnet, Self.a, reserved: F.ip("10.77.0.0")) == nil)
    }

    @Test func singleAddressPoolReusesAReleasedAddress() {
        var table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .released, expires: 10)])
        #expect(choose(&table, F.subnet77(range: ("10.77.0.100", "10.77.0.100")), Self.b, mac: F.macB) == F.ip("10.77.0.100"))
    }

    // MARK: isAvailable

    func available(_ table: LeaseTable, _ address: String, to client: String = LeaseTableTests.a, mac: MACAddress = F.macA, now: Int = 1_000,
                   reservedFor: (IPv4Address) -> MACAddress? = { _ in nil }) -> Bool {
        table.isAvailable(F.ip(address), to: client, mac: mac, now: now, reservedFor: reservedFor)
    }

    @Test func freeAddressIsAvailable() {
        #expect(available(LeaseTable(leases: []), "10.77.0.100"))
    }

    @Test func reservationForAnotherMACIsNotAvailableButForOurselvesIs() {
        let table = LeaseTable(leases: [])
        #expect(!available(table, "10.77.0.100", reservedFor: { _ in F.macB }))
        #expect(available(table, "10.77.0.100", reservedFor: { _ in F.macA }))
    }

    @Test func offerToAnotherBlocksUntilItLapses() {
        var table = LeaseTable(leases: [])
        table.offer(F.ip("10.77.0.100"), to: Self.b, now: 1_000)
        #expect(!available(table, "10.77.0.100", now: 1_000))
        #expect(!available(table, "10.77.0.100", now: 1_000 + LeaseTable.offerSeconds - 1))
        #expect(available(table, "10.77.0.100", now: 1_000 + LeaseTable.offerSeconds))
        #expect(available(table, "10.77.0.100", to: Self.b, mac: F.macB, now: 1_000))
        #expect(table.isOffered(F.ip("10.77.0.100"), to: Self.b, now: 1_000))
        #expect(!table.isOffered(F.ip("10.77.0.100"), to: Self.a, now: 1_000))
        #expect(!table.isOffered(F.ip("10.77.0.100"), to: Self.b, now: 1_000 + LeaseTable.offerSeconds))
        #expect(!table.isOffered(F.ip("10.77.0.101"), to: Self.b, now: 1_000))
    }

    @Test func withdrawOffersOnlyTouchesThatClient() {
        var table = LeaseTable(leases: [])
        table.offer(F.ip("10.77.0.100"), to: Self.a, now: 1_000)
        table.offer(F.ip("10.77.0.101"), to: Self.b, now: 1_000)
        table.withdrawOffers(to: Self.a)
        #expect(!table.isOffered(F.ip("10.77.0.100"), to: Self.a, now: 1_001))
        #expect(table.isOffered(F.ip("10.77.0.101"), to: Self.b, now: 1_001))
    }

    @Test(arguments: [
        // (state, expires, owner is the asking client, now, available)
        (LeaseState.bound, 2_000, false, 1_000, false),
        (.bound, 2_000, true, 1_000, true),
        (.bound, 1_000, false, 1_000, true),     // expired exactly now
        (.bound, 999, false, 1_000, true),
        (.declined, 2_000, false, 1_000, false),
        (.declined, 2_000, true, 1_000, false),  // quarantine holds even for the decliner
        (.declined, 1_000, false, 1_000, true),
        (.released, 2_000, false, 1_000, true),
        (.released, 0, true, 1_000, true),
    ])
    func leaseStateRules(state: LeaseState, expires: Int, own: Bool, now: Int, expected: Bool) {
        let owner = own ? F.macA : F.macB
        let table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.100"), mac: owner, state: state, expires: expires)])
        #expect(available(table, "10.77.0.100", now: now) == expected)
    }

    // MARK: bind, decline, release

    @Test func bindStoresClientIDAndHostnameAndClearsTheOffer() {
        var table = LeaseTable(leases: [])
        let client = LeaseTable.clientKey(mac: F.macA, clientID: [1, 2])
        table.offer(F.ip("10.77.0.100"), to: client, now: 1_000)
        let leases = table.bind(F.ip("10.77.0.100"), client: client, mac: F.macA, clientID: [1, 2], hostname: "h", now: 1_000, seconds: 60)
        #expect(leases == [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, clientID: "0102", hostname: "h", state: .bound, expires: 1_060)])
        let lease = leases.last
        #expect(!table.isOffered(F.ip("10.77.0.100"), to: client, now: 1_001))
        #expect(table.lease(of: client) == lease)
        #expect(table.lease(of: Self.a) == nil)
    }

    @Test func bindingASecondAddressReleasesTheFirst() {
        var table = LeaseTable(leases: [])
        _ = table.bind(F.ip("10.77.0.100"), client: Self.a, mac: F.macA, clientID: nil, hostname: nil, now: 1_000, seconds: 600)
        let changed = table.bind(F.ip("10.77.0.101"), client: Self.a, mac: F.macA, clientID: nil, hostname: nil, now: 1_000, seconds: 600)
        // Both changes go to the database: the old address released now, the new one bound.
        #expect(changed.map(\.ip) == [F.ip("10.77.0.100"), F.ip("10.77.0.101")])
        #expect(changed.first?.state == .released && changed.first?.expires == 1_000)
        #expect(table.lease(of: Self.a)?.ip == F.ip("10.77.0.101"))
        #expect(table.lease(at: F.ip("10.77.0.100"))?.state == .released)
        #expect(available(table, "10.77.0.100", to: Self.b, mac: F.macB))
    }

    @Test func releaseOnlyByTheOwnerOfABoundLease() {
        var table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .bound, expires: 9_999),
                                        Lease(ip: F.ip("10.77.0.101"), mac: F.macB, state: .declined, expires: 9_999)])
        #expect(table.release(F.ip("10.77.0.100"), client: Self.b, now: 1_000) == nil)
        #expect(table.release(F.ip("10.77.0.101"), client: Self.b, now: 1_000) == nil)
        #expect(table.release(F.ip("10.77.0.102"), client: Self.a, now: 1_000) == nil)
        let released = table.release(F.ip("10.77.0.100"), client: Self.a, now: 1_000)
        #expect(released == Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .released, expires: 1_000))
        #expect(table.lease(of: Self.a)?.ip == F.ip("10.77.0.100"), "the client keeps its affinity")
    }

    @Test func declineQuarantinesAndDropsOwnershipAndOffer() {
        var table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .bound, expires: 9_999)])
        table.offer(F.ip("10.77.0.100"), to: Self.a, now: 1_000)
        let lease = table.decline(F.ip("10.77.0.100"), mac: F.macA, now: 1_000)
        #expect(lease == Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .declined, expires: 1_000 + LeaseTable.quarantineSeconds))
        #expect(table.lease(of: Self.a) == nil)
        #expect(!table.isOffered(F.ip("10.77.0.100"), to: Self.a, now: 1_001))
    }

    @Test func loadingTwoBoundLeasesOfOneClientKeepsTheOneThatLastsLongest() {
        let table = LeaseTable(leases: [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .bound, expires: 9_999),
                                        Lease(ip: F.ip("10.77.0.101"), mac: F.macA, state: .bound, expires: 5_000)])
        #expect(table.lease(of: Self.a)?.ip == F.ip("10.77.0.100"))
        #expect(table.leases.count == 2)
        // The other stays out of the pool until it expires.
        #expect(!table.isAvailable(F.ip("10.77.0.101"), to: Self.b, mac: F.macB, now: 4_000, reservedFor: { _ in nil }))
        #expect(table.isAvailable(F.ip("10.77.0.101"), to: Self.b, mac: F.macB, now: 5_000, reservedFor: { _ in nil }))
    }
}
