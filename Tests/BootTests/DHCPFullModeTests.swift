import Boot
import Model
import Testing
import Wire

@Suite("DHCPServerPolicy: full mode, DISCOVER and REQUEST") struct DHCPFullModeTests {
    typealias F = DHCPFixture

    @Test func discoverGetsFirstPoolAddressWithSubnetOptions() throws {
        var server = FullServer()
        let request = F.request(.discover, mac: F.macA, xid: 77)
        let outcome = server.send(request)
        let reply = try #require(outcome.reply)
        let options = reply.packet.options
        #expect(outcome.leases.isEmpty, "an offer commits nothing")
        #expect(reply.destination == .broadcast)
        #expect(reply.packet.op == 2)
        #expect(reply.packet.xid == 77)
        #expect(reply.packet.chaddr == request.chaddr)
        #expect(options.messageType == .offer)
        #expect(reply.packet.yiaddr == F.ip("10.77.0.100"))
        #expect(options.serverIdentifier == F.server)
        #expect(options.subnetMask == F.ip("255.255.255.0"))
        #expect(options.routers == [F.ip("10.77.0.1")])
        #expect(options.dnsServers == [F.ip("10.77.0.1")])
        #expect(options.leaseSeconds == 3600)
        #expect(options.renewalSeconds == 1800)
        #expect(options.rebindingSeconds == 3150)
        #expect(options.domainName == nil)
        // Not a netboot client: no boot options.
        #expect(reply.packet.file == "")
        #expect(reply.packet.siaddr == F.zero)
        #expect(options.vendorClass == nil)
    }

    @Test func subnetWithoutRouterOrDNSSendsNeitherAndADomainWhenSet() throws {
        let bare = try DHCPSubnet(cidr: "10.77.0.0/24", range: (F.ip("10.77.0.100"), F.ip("10.77.0.110")), domain: "lab.example",
                                  leaseSeconds: 600)
        var server = FullServer(subnets: [bare])
        let options = try #require(server.discover(F.macA).reply).packet.options
        #expect(options.routers.isEmpty)
        #expect(options.dnsServers.isEmpty)
        #expect(options.domainName == "lab.example")
        #expect(options.leaseSeconds == 600)
        #expect(options.renewalSeconds == 300)
        #expect(options.rebindingSeconds == 525)
    }

    @Test func eachClientGetsItsOwnAddressUntilThePoolRunsOut() {
        var server = FullServer()
        var offered: [IPv4Address] = []
        for n in 0..<11 {
            guard let address = server.offered(F.client(n)) else {
                Issue.record("client \(n) got no offer")
                continue
            }
            offered.append(address)
        }
        #expect(offered == (100...110).map { F.ip("10.77.0.\($0)") })
        let exhausted = server.discover(F.client(11))
        #expect(exhausted.reply == nil)
        #expect(exhausted.note == "pool 10.77.0.0/24 exhausted")
    }

    @Test func secondClientGetsTheNextAddress() {
        var server = FullServer()
        #expect(server.offered(F.macA) == F.ip("10.77.0.100"))
        #expect(server.offered(F.macB) == F.ip("10.77.0.101"))
    }

    @Test func offersLapseAfterAMinute() {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.100"))])
        #expect(server.offered(F.macA, now: 1_000) == F.ip("10.77.0.100"))
        #expect(server.offered(F.macB, now: 1_059) == nil)
        #expect(server.offered(F.macB, now: 1_060) == F.ip("10.77.0.100"))
    }

    /// Clients retransmit DISCOVER (RFC 2131 §4.1: 4 s, 8 s, ...; PXE ROMs do it while they
    /// collect proxy offers). The retransmission must not take a second address: with each one
    /// parking another address for a minute, a few booting machines exhaust a small pool.
    @Test func retransmittedDiscoverIsOfferedTheSameAddress() {
        var server = FullServer()
        let first = server.offered(F.macA, now: 1_000)
        let second = server.offered(F.macA, now: 1_004)
        let third = server.offered(F.macA, now: 1_012)
        #expect(first == F.ip("10.77.0.100"))
        #expect(second == first)
        #expect(third == first)
    }

    @Test func requestedAddressIsHonouredWhenFree() {
        var server = FullServer()
        #expect(server.discover(F.macA, requested: F.ip("10.77.0.107")).reply?.packet.yiaddr == F.ip("10.77.0.107"))
        // Outside the pool: ignored.
        #expect(server.discover(F.macB, requested: F.ip("10.77.0.20")).reply?.packet.yiaddr == F.ip("10.77.0.100"))
        // Offered to someone else: ignored.
        #expect(server.discover(F.macC, requested: F.ip("10.77.0.107")).reply?.packet.yiaddr == F.ip("10.77.0.101"))
    }

    // MARK: SELECTING

    @Test func selectingOurOfferBindsAndPersistsOneLease() throws {
        var server = FullServer()
        let address = try server.mustOffer(F.macA, now: 1_000)
        var request = F.request(.request, mac: F.macA, xid: 99, requested: address, serverID: F.server) { $0.hostname = "node-a" }
        request.isBroadcast = true
        let outcome = server.send(request, now: 1_010)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.xid == 99)
        #expect(reply.packet.yiaddr == address)
        #expect(reply.packet.isBroadcast)
        #expect(reply.destination == .broadcast)
        #expect(reply.packet.options.leaseSeconds == 3600)
        #expect(reply.packet.options.subnetMask == F.ip("255.255.255.0"))
        #expect(outcome.leases == [Lease(ip: address, mac: F.macA, clientID: nil, hostname: "node-a", state: .bound, expires: 4_610)])
        #expect(server.policy.table.lease(at: address) == outcome.leases.first)
        #expect(server.policy.table.lease(of: "mac:aa:bb:cc:dd:ee:01")?.ip == address)
    }

    @Test func selectingAnotherServerWithdrawsOurOffer() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.100"))])
        let address = try server.mustOffer(F.macA)
        // While the offer stands, B cannot have the address.
        #expect(server.offered(F.macB) == nil)
        let chose = server.select(F.macA, address, serverID: F.otherServer)
        #expect(chose.reply == nil)
        #expect(chose.leases.isEmpty)
        #expect(chose.note == "client chose server 10.77.0.2")
        #expect(server.policy.table.lease(at: address) == nil)
        // The offer is gone at once, not after a minute.
        #expect(server.offered(F.macB) == address)
    }

    @Test func selectingAnotherServerLeavesAnExistingLeaseAlone() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA)
        let chose = server.select(F.macA, F.ip("192.168.1.50"), serverID: F.otherServer, now: 1_100)
        #expect(chose.reply == nil)
        #expect(server.policy.table.lease(at: address)?.state == .bound)
    }

    @Test func requestForAnAddressTakenByAnotherIsNAKed() throws {
        var server = FullServer()
        let taken = try server.acquire(F.macA)
        let outcome = server.select(F.macB, taken, now: 1_100)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .nak)
        #expect(reply.destination == .broadcast)
        #expect(reply.packet.yiaddr == F.zero)
        #expect(reply.packet.options.serverIdentifier == F.server)
        #expect(reply.packet.options.message == "requested 10.77.0.100 was not offered")
        #expect(reply.packet.options.leaseSeconds == nil)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "NAK: requested 10.77.0.100 was not offered")
        #expect(server.policy.table.lease(at: taken)?.mac == F.macA)
    }

    @Test func requestForAFreeButNeverOfferedPoolAddressIsACKed() throws {
        // A client whose OFFER we lost still gets what is free (RFC 2131 §4.3.2 leaves it to us).
        var server = FullServer()
        let outcome = server.select(F.macA, F.ip("10.77.0.105"))
        #expect(outcome.reply?.packet.options.messageType == .ack)
        #expect(outcome.leases.map(\.ip) == [F.ip("10.77.0.105")])
    }

    @Test(arguments: ["10.77.0.20", "10.78.0.100", "10.77.0.255"])
    func requestOutsideThePoolIsNAKed(address: String) throws {
        var server = FullServer()
        let reply = try #require(server.select(F.macA, F.ip(address)).reply)
        #expect(reply.packet.options.messageType == .nak)
        #expect(server.policy.table.leases.isEmpty)
    }

    @Test func requestSelectingUsWithoutARequestedAddressIsNAKed() throws {
        var server = FullServer()
        _ = server.offered(F.macA)
        let outcome = server.send(F.request(.request, mac: F.macA, serverID: F.server))
        #expect(outcome.reply?.packet.options.messageType == .nak)
        #expect(outcome.reply?.packet.options.message == "requested nothing was not offered")
    }

    @Test func requestOfAnOfferAfterItLapsedAndWasTakenIsNAKed() throws {
        var server = FullServer(subnets: [F.subnet77(range: ("10.77.0.100", "10.77.0.100"))])
        let address = try server.mustOffer(F.macA, now: 1_000)
        _ = try server.acquire(F.macB, now: 1_100)
        #expect(server.select(F.macA, address, now: 1_101).reply?.packet.options.messageType == .nak)
    }

    // MARK: INIT-REBOOT

    func initReboot(_ server: inout FullServer, _ mac: MACAddress, _ address: IPv4Address, now: Int = 2_000,
                    machine: KnownMachine? = nil) -> DHCPOutcome {
        server.send(F.request(.request, mac: mac, requested: address), now: now, machine: machine)
    }

    @Test func initRebootForOwnLeaseIsACKed() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        let outcome = initReboot(&server, F.macA, address, now: 2_000)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.yiaddr == address)
        #expect(reply.destination == .broadcast)
        #expect(outcome.leases.map(\.expires) == [5_600])
    }

    @Test func initRebootForAnothersLeaseIsNAKed() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA)
        let outcome = initReboot(&server, F.macB, address)
        #expect(outcome.reply?.packet.options.messageType == .nak)
        #expect(outcome.reply?.destination == .broadcast)
        #expect(outcome.note == "NAK: 10.77.0.100 belongs to another client")
        #expect(outcome.leases.isEmpty)
        #expect(server.policy.table.lease(at: address)?.mac == F.macA)
    }

    @Test func initRebootOutsideTheSubnetIsNAKed() throws {
        var server = FullServer()
        let outcome = initReboot(&server, F.macA, F.ip("192.168.1.23"))
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .nak)
        #expect(reply.packet.options.message == "192.168.1.23 is not on 10.77.0.0/24")
        #expect(server.policy.table.leases.isEmpty)
    }

    @Test func initRebootInTheSubnetButOutsideThePoolIsNAKed() {
        var server = FullServer()
        #expect(initReboot(&server, F.macA, F.ip("10.77.0.20")).reply?.packet.options.messageType == .nak)
    }

    @Test func initRebootForAnotherAddressThanTheReservationIsNAKed() throws {
        var server = FullServer()
        let machine = KnownMachine(state: .ready, reservedAddress: F.ip("10.77.0.50"))
        let wrong = initReboot(&server, F.macA, F.ip("10.77.0.100"), machine: machine)
        #expect(wrong.reply?.packet.options.messageType == .nak)
        #expect(wrong.note == "NAK: aa:bb:cc:dd:ee:01 is reserved 10.77.0.50")
        let right = initReboot(&server, F.macA, F.ip("10.77.0.50"), machine: machine)
        #expect(right.reply?.packet.options.messageType == .ack)
        #expect(right.leases.map(\.ip) == [F.ip("10.77.0.50")])
    }

    // MARK: RENEWING and REBINDING

    @Test func renewingExtendsTheLeaseAndAnswersUnicast() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA, now: 1_000)
        #expect(server.policy.table.lease(at: address)?.expires == 4_600)
        let outcome = server.send(F.request(.request, mac: F.macA, ciaddr: address), now: 2_800)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .ack)
        #expect(reply.packet.yiaddr == address)
        #expect(reply.packet.ciaddr == address)
        #expect(reply.destination == .client(address, port: 68))
        #expect(outcome.leases == [Lease(ip: address, mac: F.macA, state: .bound, expires: 6_400)])
        #expect(server.policy.table.lease(at: address)?.expires == 6_400)
    }

    @Test func renewingSomeoneElsesAddressIsNAKed() throws {
        var server = FullServer()
        let address = try server.acquire(F.macA)
        let outcome = server.send(F.request(.request, mac: F.macB, ciaddr: address), now: 2_000)
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .nak)
        #expect(reply.destination == .broadcast)
        #expect(reply.packet.options.message == "10.77.0.100 is not leased to aa:bb:cc:dd:ee:02")
        #expect(outcome.leases.isEmpty)
        #expect(server.policy.table.lease(at: address)?.expires == 4_600)
    }

    @Test func renewingAFreePoolAddressIsNAKed() {
        var server = FullServer()
        #expect(server.send(F.request(.request, mac: F.macA, ciaddr: F.ip("10.77.0.104"))).reply?.packet.options.messageType == .nak)
    }

    @Test(arguments: ["192.168.1.23", "10.77.0.20"])
    func rebindingAnAddressThatIsNotOursIsLeftAlone(address: String) {
        var server = FullServer()
        let outcome = server.send(F.request(.request, mac: F.macA, ciaddr: F.ip(address)))
        #expect(outcome.reply == nil)
        #expect(outcome.note == "renewal of \(address), not ours")
    }

    @Test func requestWithNothingToGoOnIsIgnored() {
        var server = FullServer()
        let outcome = server.send(F.request(.request, mac: F.macA))
        #expect(outcome.reply == nil)
        #expect(outcome.note == "request without ciaddr, server id or requested address")
    }

    @Test func relayedNAKGoesToTheRelay() throws {
        var server = FullServer(subnets: [F.subnet77(), F.subnet78])
        let outcome = server.send(F.request(.request, mac: F.macA, giaddr: F.relay78, requested: F.ip("10.77.0.100")))
        let reply = try #require(outcome.reply)
        #expect(reply.packet.options.messageType == .nak)
        #expect(reply.destination == .relay(F.relay78))
    }
}
