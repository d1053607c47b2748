import Boot
import Model
import Testing
import Wire

@Suite("DHCPServerPolicy: full mode, DECLINE, RELEASE, INFORM, reservations, relays") struct DHCPFullLifecycleTests {
    typealias F = DHCPFixture
    static let quarantine = LeaseTable.quarantineSeconds

    func decline(_ server: inout FullServer, _ mac: MACAddress, _ address: IPv4Address, serverID: IPv4Address? = F.server,
                 now: Int = 1_100, machine: KnownMachine? = nil) -> DHCPOutcome {
        server.send(F.request(.decline, mac: mac, requested: address, serverID: serverID) { $0.message = "ARP reply" },
                    now: now, machine: machine)
    }

    // MARK: DECLINE

    @Test func declinePersistsAQuarantinedLease() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        let outcome = decline(&server, F.macA, address, now: 1_100)
        #expect(outcome.reply == nil, "DECLINE is never answered")
        #expect(outcome.leases == [Lease(ip: address, mac: F.macA, state: .declined, expires: 1_100 + Self.quarantine)])
        #expect(outcome.note == "10.77.0.100 declined: quarantined")
        #expect(server.policy.table.lease(at: address)?.state == .declined)
        #expect(server.policy.table.lease(of: "mac:aa:bb:cc:dd:ee:01") == nil, "the decliner no longer holds it")
    }

    @Test func declinedAddressIsOfferedToNobodyUntilQuarantineEnds() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.100"))])
        let address = try server.acquire(F.macA, now: 1_000)
        #expect(!decline(&server, F.macA, address, now: 1_100).leases.isEmpty)
        #expect(server.offered(F.macA, now: 1_101) == nil)
        #expect(server.offered(F.macB, now: 1_102) == nil)
        #expect(server.offered(F.macB, now: 1_100 + Self.quarantine - 1) == nil)
        // Nor can it be had by asking for it.
        #expect(server.select(F.macB, address, now: 1_200).reply?.packet.options.messageType == .nak)
        #expect(server.send(F.request(.request, mac: F.macC, requested: address), now: 1_200).reply?.packet.options.messageType == .nak)
        #expect(server.offered(F.macB, now: 1_100 + Self.quarantine) == address)
    }

    @Test func declinedAddressIsSkippedInALargerPool() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        _ = decline(&server, F.macA, address, now: 1_100)
        var offered: Set<IPv4Address> = []
        for n in 0..<11 {
            if let next = server.offered(F.client(n), now: 1_200) { offered.insert(next) }
        }
        #expect(offered.count == 10)
        #expect(!offered.contains(address))
    }

    @Test func declineOfAnOfferBeforeRequestIsAlsoQuarantined() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.101"))])
        let address = try server.mustOffer(F.macA)
        #expect(decline(&server, F.macA, address, serverID: nil, now: 1_030).leases.map(\.state) == [.declined])
        #expect(server.offered(F.macA, now: 1_200) == F.ip("10.77.0.101"))
    }

    @Test(arguments: [
        ("10.77.0.20", F.server as IPv4Address?),   // in the subnet, not the pool
        ("192.168.1.9", F.server),                  // not ours at all
        ("10.77.0.100", F.otherServer),             // another server's address
    ])
    func declineOfWhatIsNotOursIsIgnored(address: String, serverID: IPv4Address?) {
        var server = FullServer()
        let outcome = decline(&server, F.macA, F.ip(address), serverID: serverID)
        #expect(outcome.reply == nil)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "decline for an address that is not this client's")
    }

    @Test func aClientCannotDeclineAnotherClientsLease() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        let outcome = decline(&server, F.macB, address, now: 1_100)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "decline for an address that is not this client's")
    }

    @Test func declineWithoutRequestedAddressIsIgnored() {
        var server = FullServer()
        let outcome = server.send(F.request(.decline, mac: F.macA, serverID: F.server))
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "decline for an address that is not this client's")
    }

    @Test func declineOfTheReservedAddressOutsideThePoolIsQuarantined() {
        var server = FullServer()
        let machine = KnownMachine(state: .ready, reservedAddress: F.ip("10.77.0.50"))
        #expect(decline(&server, F.macA, F.ip("10.77.0.50"), machine: machine).leases.map(\.state) == [.declined])
    }

    // MARK: RELEASE

    @Test func releaseFreesTheAddressAndTheClientGetsItBack() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        let outcome = server.send(F.request(.release, mac: F.macA, ciaddr: address, serverID: F.server), now: 1_500)
        #expect(outcome.reply == nil, "RELEASE is never answered")
        #expect(outcome.leases == [Lease(ip: address, mac: F.macA, state: .released, expires: 1_500)])
        #expect(outcome.note == "10.77.0.100 released")
        #expect(server.policy.table.lease(at: address)?.state == .released)
        // Others prefer never-used addresses; the owner gets its old one back.
        #expect(server.offered(F.macB, now: 1_600) == F.ip("10.77.0.101"))
        #expect(server.offered(F.macA, now: 1_600) == address)
        #expect(server.select(F.macA, address, now: 1_601).leases.map(\.state) == [.bound])
    }

    @Test func othersPreferNeverUsedAddressesOverReleasedOnes() {
        // The pool cursor starts on the released address: only the preference moves past it.
        let released = Lease(ip: F.ip("10.77.0.100"), mac: F.macA, state: .released, expires: 500)
        var server = FullServer(leases: [released])
        #expect(server.offered(F.macB) == F.ip("10.77.0.101"))
        #expect(server.offered(F.macA) == F.ip("10.77.0.100"))
    }

    @Test func whenOnlyReleasedAddressesAreLeftTheLongestReleasedIsReused() {
        let leases = [
            Lease(ip: F.ip("10.77.0.100"), mac: F.client(1), state: .released, expires: 300),
            Lease(ip: F.ip("10.77.0.101"), mac: F.client(2), state: .released, expires: 100),
            Lease(ip: F.ip("10.77.0.102"), mac: F.client(3), state: .released, expires: 200),
        ]
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.102"))], leases: leases)
        #expect(server.offered(F.macA) == F.ip("10.77.0.101"))
        #expect(server.offered(F.macB) == F.ip("10.77.0.102"))
        #expect(server.offered(F.macC) == F.ip("10.77.0.100"))
        #expect(server.offered(F.client(9)) == nil)
    }

    @Test func releaseOfAnotherClientsAddressIsIgnored() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA)
        let outcome = server.send(F.request(.release, mac: F.macB, ciaddr: address, serverID: F.server), now: 1_500)
        #expect(outcome.reply == nil)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "release of 10.77.0.100, which is not this client's")
        #expect(server.policy.table.lease(at: address)?.state == .bound)
    }

    @Test func releaseTwiceIsIgnoredTheSecondTime() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA)
        #expect(server.send(F.request(.release, mac: F.macA, ciaddr: address)).leases.count == 1)
        #expect(server.send(F.request(.release, mac: F.macA, ciaddr: address)).leases.isEmpty)
    }

    // MARK: INFORM

    @Test func informGetsConfigurationWithoutALease() throws {
        var server = FullServer()
        let client = F.ip("10.77.0.33")
        let outcome = server.send(F.request(.inform, mac: F.macA, ciaddr: client), source: (client, 68))
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.yiaddr == F.zero)
        #expect(reply.packet.ciaddr == client)
        #expect(reply.packet.options.leaseSeconds == nil)
        #expect(reply.packet.options.renewalSeconds == nil)
        #expect(reply.packet.options.rebindingSeconds == nil)
        #expect(reply.packet.options.subnetMask == F.ip("255.255.255.0"))
        #expect(reply.packet.options.routers == [F.ip("10.77.0.1")])
        #expect(reply.packet.options.serverIdentifier == F.server)
        #expect(reply.destination == .client(client, port: 68))
        #expect(outcome.leases.isEmpty)
        #expect(server.policy.table.leases.isEmpty)
    }

    @Test func informWithoutCiaddrGoesToTheSource() throws {
        var server = FullServer()
        let reply = try #require(server.send(F.request(.inform, mac: F.macA), source: (F.ip("10.77.0.34"), 68)).reply)
        #expect(reply.destination == .client(F.ip("10.77.0.34"), port: 68))
    }

    @Test func relayedInformGoesToTheRelay() throws {
        var server = FullServer(subnets: [F.subnet77(), F.subnet78])
        let request = F.request(.inform, mac: F.macA, ciaddr: F.ip("10.78.0.40"), giaddr: F.relay78)
        let reply = try #require(server.send(request).reply)
        #expect(reply.destination == .relay(F.relay78))
        #expect(reply.packet.options.routers == [F.ip("10.78.0.1")])
    }

    @Test func informFromANetbootClientThatMayBootGetsBootOptions() throws {
        var server = FullServer()
        let request = F.request(.inform, mac: F.macA, ciaddr: F.ip("10.77.0.33"), configure: F.ipxe(arch: 7))
        let reply = try #require(server.send(request, machine: F.registered).reply)
        #expect(reply.packet.file == "http://10.77.0.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:01")
    }

    // MARK: boot options in full mode

    @Test func offerToARegisteredPXEClientCarriesBootOptions() throws {
        var server = FullServer()
        let reply = try #require(server.send(F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0)), machine: F.registered).reply)
        #expect(reply.packet.yiaddr == F.ip("10.77.0.100"))
        #expect(reply.packet.siaddr == F.server)
        #expect(reply.packet.file == "undionly.kpxe")
        #expect(reply.packet.options.vendorClass == "PXEClient")
        #expect(reply.packet.options.clientUUID == F.uuid)
        #expect(reply.packet.options.vendorSpecific == [6, 1, 8, 255])
        #expect(reply.packet.options.leaseSeconds == 3600)
    }

    @Test(arguments: [
        (KnownMachine?.none, DiscoveryPolicy.ignore),
        (KnownMachine(state: .discovered, reservedAddress: nil), .ignore),
        (KnownMachine(state: .retired, reservedAddress: nil), .hold),
        (KnownMachine(state: .ready, reservedAddress: nil), .hold),   // known, but arch 10 has no iPXE build
    ])
    func addressWithoutBootOptionsWhenNotServed(machine: KnownMachine?, discovery: DiscoveryPolicy) throws {
        var server = FullServer(discovery: discovery)
        let arch: UInt16 = machine?.state == .ready ? 10 : 0
        let outcome = server.send(F.request(.discover, mac: F.macA, configure: F.pxe(arch: arch)), machine: machine)
        let reply = try #require(outcome.reply, "full mode gives every client an address")
        #expect(reply.packet.yiaddr == F.ip("10.77.0.100"))
        #expect(reply.packet.file == "")
        #expect(reply.packet.siaddr == F.zero)
        #expect(reply.packet.options.vendorClass == nil)
        #expect(reply.packet.options.vendorSpecific == nil)
    }

    @Test func ackToAnUnknownMachineUnderHoldCarriesBootOptions() throws {
        var server = FullServer(discovery: .hold)
        let address = try server.mustOffer(F.macA)
        let request = F.request(.request, mac: F.macA, requested: address, serverID: F.server, configure: F.httpClient(arch: 16))
        let reply = try #require(server.send(request).reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.options.vendorClass == "HTTPClient")
        #expect(reply.packet.file == "http://10.77.0.1:8080/ipxe/ipxe.efi")
    }

    // MARK: reservations

    @Test func reservedAddressOutsideThePoolIsOfferedAndBound() throws {
        var server = FullServer()
        let machine = KnownMachine(state: .registered, reservedAddress: F.ip("10.77.0.50"))
        let offer = try #require(server.discover(F.macA, machine: machine).reply)
        #expect(offer.packet.yiaddr == F.ip("10.77.0.50"))
        let ack = server.select(F.macA, F.ip("10.77.0.50"), machine: machine)
        #expect(ack.reply?.packet.options.messageType == .ack)
        #expect(ack.leases.map(\.ip) == [F.ip("10.77.0.50")])
        // Renewal of a reservation outside the pool.
        let renew = server.send(F.request(.request, mac: F.macA, ciaddr: F.ip("10.77.0.50")), now: 3_000, machine: machine)
        #expect(renew.reply?.destination == .client(F.ip("10.77.0.50"), port: 68))
        #expect(renew.leases.map(\.expires) == [6_600])
        // Without the reservation, the same address is not in the pool.
        #expect(server.send(F.request(.request, mac: F.macB, requested: F.ip("10.77.0.51"))).reply?.packet.options.messageType == .nak)
    }

    @Test func reservationWinsOverTheRequestedAddress() {
        var server = FullServer()
        let machine = KnownMachine(state: .registered, reservedAddress: F.ip("10.77.0.50"))
        #expect(server.discover(F.macA, requested: F.ip("10.77.0.104"), machine: machine).reply?.packet.yiaddr == F.ip("10.77.0.50"))
    }

    @Test func reservationInAnotherSubnetIsNotUsedHere() {
        var server = FullServer()
        let machine = KnownMachine(state: .registered, reservedAddress: F.ip("10.78.0.50"))
        #expect(server.offered(F.macA, machine: machine) == F.ip("10.77.0.100"))
    }

    @Test(arguments: ["10.77.0.0", "10.77.0.255"])
    func reservationOfTheNetworkOrBroadcastAddressIsNotOffered(address: String) {
        var server = FullServer()
        let machine = KnownMachine(state: .registered, reservedAddress: F.ip(address))
        #expect(server.discover(F.macA, machine: machine).reply == nil)
    }

    @Test func addressReservedForAnotherMACIsSkipped() {
        var server = FullServer()
        let owner = F.mac("52:54:00:99:99:99")
        server.reservedFor = { $0 == F.ip("10.77.0.105") ? owner : nil }
        var offered: [IPv4Address] = []
        for n in 0..<11 {
            if let address = server.offered(F.client(n)) { offered.append(address) }
        }
        #expect(offered.count == 10)
        #expect(!offered.contains(F.ip("10.77.0.105")))
        // Asking for it does not help either.
        #expect(server.select(F.macA, F.ip("10.77.0.105")).reply?.packet.options.messageType == .nak)
        #expect(server.send(F.request(.request, mac: F.macA, requested: F.ip("10.77.0.105"))).reply?.packet.options.messageType == .nak)
        // Its owner gets it.
        let reservation = KnownMachine(state: .registered, reservedAddress: F.ip("10.77.0.105"))
        #expect(server.offered(owner, machine: reservation) == F.ip("10.77.0.105"))
    }

    // MARK: pools, client identifiers, relays

    @Test func poolExhaustionIsNotedAndNotAnswered() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.101"))])
        _ = try server.acquire(F.macA)
        _ = try server.acquire(F.macB)
        let outcome = server.discover(F.macC)
        #expect(outcome.reply == nil)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "pool 10.77.0.0/24 exhausted")
    }

    @Test func clientIdentifierDistinguishesClientsOnOneMAC() throws {
        var server = FullServer()
        let first: [UInt8] = [0xFF, 0, 0, 0, 1, 0, 4, 0xAB]
        let second: [UInt8] = [0xFF, 0, 0, 0, 2, 0, 4, 0xAB]
        let one = try server.mustOffer(F.macA, clientID: first)
        let two = try server.mustOffer(F.macA, clientID: second)
        #expect(one != two)
        let ackOne = server.select(F.macA, one, clientID: first)
        let ackTwo = server.select(F.macA, two, clientID: second)
        #expect(ackOne.leases.first?.clientID == "ff000000010004ab")
        #expect(ackTwo.leases.first?.clientID == "ff000000020004ab")
        #expect(ackOne.leases.first?.mac == F.macA)
        #expect(server.policy.table.lease(of: LeaseTable.clientKey(mac: F.macA, clientID: first))?.ip == one)
        #expect(server.policy.table.lease(of: LeaseTable.clientKey(mac: F.macA, clientID: second))?.ip == two)
        // The MAC alone is a third client.
        let renewal = server.send(F.request(.request, mac: F.macA, ciaddr: one), now: 2_000)
        #expect(renewal.reply?.packet.options.messageType == .nak)
        let renewalWithID = server.send(F.request(.request, mac: F.macA, ciaddr: one, clientID: first), now: 2_000)
        #expect(renewalWithID.reply?.packet.options.messageType == .ack)
    }

    @Test func relayedDiscoverIsServedFromTheRelaysSubnet() throws {
        var server = FullServer(subnets: [F.subnet77(), F.subnet78])
        let outcome = server.discover(F.macA, giaddr: F.relay78)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.yiaddr == F.ip("10.78.0.100"))
        #expect(reply.packet.giaddr == F.relay78)
        #expect(reply.destination == .relay(F.relay78))
        #expect(reply.packet.options.routers == [F.ip("10.78.0.1")])
        #expect(reply.packet.options.leaseSeconds == 7200)
        #expect(reply.packet.options.dnsServers.isEmpty)
        // The relay's own request goes on to bind there.
        let ack = server.send(F.request(.request, mac: F.macA, giaddr: F.relay78, requested: F.ip("10.78.0.100"), serverID: F.server))
        #expect(ack.reply?.destination == .relay(F.relay78))
        #expect(ack.leases.map(\.ip) == [F.ip("10.78.0.100")])
        // A direct client still gets the local subnet.
        #expect(server.offered(F.macB) == F.ip("10.77.0.100"))
    }

    @Test func relayAgentInformationIsEchoedToTheRelayOnly() throws {
        var server = FullServer(subnets: [F.subnet77(), F.subnet78])
        let option82: [UInt8] = [1, 4, 0x65, 0x74, 0x68, 0x31, 2, 2, 0xAB, 0xCD]
        let relayed = F.request(.discover, mac: F.macA, giaddr: F.relay78) { $0[DHCPOptionCode.relayAgentInformation] = option82 }
        #expect(try #require(server.send(relayed).reply).packet.options[DHCPOptionCode.relayAgentInformation] == option82)
        let direct = F.request(.discover, mac: F.macB) { $0[DHCPOptionCode.relayAgentInformation] = option82 }
        #expect(try #require(server.send(direct).reply).packet.options[DHCPOptionCode.relayAgentInformation] == nil)
    }

    @Test func relayInNoConfiguredSubnetIsNotAnswered() {
        var server = FullServer(subnets: [F.subnet77(), F.subnet78])
        let outcome = server.discover(F.macA, giaddr: F.ip("10.99.0.1"))
        #expect(outcome.reply == nil)
        #expect(outcome.note == "no configured subnet contains 10.99.0.1")
    }

    @Test func requestOnAnInterfaceInNoSubnetIsNotAnswered() {
        var policy = DHCPServerPolicy(mode: .full, subnets: [F.subnet78], discovery: .ignore, serverURL: nil, httpPort: 8080, leases: [])
        let outcome = policy.handle(F.request(.discover, mac: F.macA), F.context(), reservedFor: F.noReservations)
        #expect(outcome.reply == nil)
        #expect(outcome.note == "no configured subnet contains 10.77.0.1")
    }

    // MARK: expiry and loaded leases

    @Test func expiredLeaseGoesToAnotherClient() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.100"))])
        let address = try server.acquire(F.macA, now: 1_000)
        #expect(server.offered(F.macB, now: 4_599) == nil, "still A's")
        #expect(server.offered(F.macB, now: 4_600) == address)
        let ack = server.select(F.macB, address, now: 4_601)
        #expect(ack.leases == [Lease(ip: address, mac: F.macB, state: .bound, expires: 8_201)])
        // A comes back too late.
        let renewal = server.send(F.request(.request, mac: F.macA, ciaddr: address), now: 4_700)
        #expect(renewal.reply?.packet.options.messageType == .nak)
        #expect(server.policy.table.lease(of: "mac:aa:bb:cc:dd:ee:01") == nil)
    }

    @Test func leasesLoadedAtStartAreRespected() throws {
        let loaded = [
            Lease(ip: F.ip("10.77.0.100"), mac: F.macA, hostname: "a", state: .bound, expires: 50_000),
            Lease(ip: F.ip("10.77.0.101"), mac: F.macC, state: .declined, expires: 50_000),
        ]
        var server = FullServer(leases: loaded)
        #expect(server.policy.table.leases.count == 2)
        #expect(server.offered(F.macB) == F.ip("10.77.0.102"))
        #expect(server.offered(F.macA) == F.ip("10.77.0.100"))
        #expect(server.send(F.request(.request, mac: F.macA, ciaddr: F.ip("10.77.0.100"))).reply?.packet.options.messageType == .ack)
        #expect(server.send(F.request(.request, mac: F.macB, requested: F.ip("10.77.0.100"))).reply?.packet.options.messageType == .nak)
    }

    @Test func loadedLeaseWithClientIdentifierBelongsToThatIdentifier() {
        let id: [UInt8] = [1, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0x01]
        let loaded = [Lease(ip: F.ip("10.77.0.100"), mac: F.macA, clientID: id.hexString, state: .bound, expires: 50_000)]
        var server = FullServer(leases: loaded)
        #expect(server.offered(F.macA, clientID: id) == F.ip("10.77.0.100"))
        #expect(server.offered(F.macA) == F.ip("10.77.0.101"), "same MAC without the identifier is another client")
    }

    /// A client that binds a second address gives up its first (LeaseTable.store releases it in
    /// memory). That release must reach the caller too, or the database keeps both bound and
    /// after a restart the client's lease is whichever row loads last.
    @Test func bindingANewAddressPersistsTheReleaseOfTheOld() throws {
        let old = Lease(ip: F.ip("10.77.0.105"), mac: F.macA, state: .bound, expires: 50_000)
        var server = FullServer(leases: [old])
        let machine = KnownMachine(state: .ready, reservedAddress: F.ip("10.77.0.102"))
        #expect(server.offered(F.macA, machine: machine) == F.ip("10.77.0.102"))
        let ack = server.select(F.macA, F.ip("10.77.0.102"), machine: machine)
        #expect(ack.reply?.packet.options.messageType == .ack)
        #expect(server.policy.table.lease(at: F.ip("10.77.0.105"))?.state == .released)
        #expect(ack.leases.contains { $0.ip == F.ip("10.77.0.105") && $0.state == .released },
                "the superseded lease is not in outcome.leases: \(ack.leases)")

        // Restart: the database holds every lease saved, and Inventory.leases() sorts by ip as
        // text ("10.77.0.102" < "10.77.0.105").
        var rows: [String: Lease] = [old.ip.description: old]
        for lease in ack.leases { rows[lease.ip.description] = lease }
        let reloaded = rows.keys.sorted().map { rows[$0]! }
        var restarted = FullServer(leases: reloaded)
        let renewal = restarted.send(F.request(.request, mac: F.macA, ciaddr: F.ip("10.77.0.102")), now: 3_000, machine: machine)
        #expect(renewal.reply?.packet.options.messageType == .ack, "renewal after restart: \(renewal.note ?? "-")")
    }
}
