import Boot
import Testing
import Wire

@Suite("OriginCheck: which source addresses speak for a machine (DESIGN.md §11)") struct OriginCheckTests {
    typealias F = DHCPFixture

    let evidence = [AddressEvidence(F.ip("10.77.0.50"), .reservedIP), AddressEvidence(F.ip("10.77.0.101"), .lease),
                    AddressEvidence(F.ip("192.168.1.23"), .dhcpRequest)]

    private func verdict(_ source: String?, _ evidence: [AddressEvidence], _ trust: MetadataTrust = .address) -> OriginCheck.Verdict {
        OriginCheck.verdict(source: source.map(F.ip), sourceText: source ?? "[fe80::1]", evidence: evidence, trust: trust)
    }

    @Test("each kind of evidence admits its own address, and names how it is known")
    func admits() {
        #expect(verdict("10.77.0.50", evidence) == .trusted(evidence[0]))
        #expect(verdict("10.77.0.101", evidence) == .trusted(evidence[1]))
        #expect(verdict("192.168.1.23", evidence) == .trusted(evidence[2]))
    }

    @Test("another address is refused, naming itself and every address the machine has")
    func refusesStrangers() {
        guard case .refused(let reason) = verdict("10.77.0.66", evidence) else { Issue.record("10.77.0.66 was trusted"); return }
        #expect(reason == "request from 10.77.0.66, which is not this machine's address "
                + "(reserved IP 10.77.0.50, DHCP lease 10.77.0.101, DHCP request 192.168.1.23)")
    }

    @Test("with no evidence yet nothing is trusted, and the reason says how to give some")
    func refusesWithoutEvidence() {
        guard case .refused(let reason) = verdict("10.77.0.50", []) else { Issue.record("trusted without evidence"); return }
        #expect(reason.contains("no address is known for this machine yet"))
        #expect(reason.contains("metadataTrust"))
    }

    @Test("a request that is not IPv4 never matches IPv4 evidence")
    func refusesIPv6() {
        #expect(verdict(nil, evidence) != .trusted(nil))
        guard case .refused(let reason) = verdict(nil, evidence) else { return }
        #expect(reason.hasPrefix("request from [fe80::1]"))
    }

    @Test("metadataTrust mac trusts any source, with no evidence named")
    func macTrust() {
        #expect(verdict("10.77.0.66", evidence, .mac) == .trusted(nil))
        #expect(verdict(nil, [], .mac) == .trusted(nil))
    }

    @Test("a DHCP REQUEST claims option 50, else ciaddr; an INFORM claims ciaddr")
    func claims() {
        let requested = F.request(.request, mac: F.macA, requested: F.ip("192.168.1.23"))
        #expect(AddressEvidence.claimed(by: requested, sourcePort: 68) == F.ip("192.168.1.23"))
        let renewing = F.request(.request, mac: F.macA, ciaddr: F.ip("192.168.1.24"))
        #expect(AddressEvidence.claimed(by: renewing, sourcePort: 68) == F.ip("192.168.1.24"))
        let inform = F.request(.inform, mac: F.macA, ciaddr: F.ip("192.168.1.25"))
        #expect(AddressEvidence.claimed(by: inform, sourcePort: 68) == F.ip("192.168.1.25"))
        let relayed = F.request(.request, mac: F.macA, giaddr: F.ip("10.1.0.1"), requested: F.ip("10.1.0.9"))
        #expect(AddressEvidence.claimed(by: relayed, sourcePort: 67) == F.ip("10.1.0.9"))
    }

    @Test("no claim from a DISCOVER, a request naming no address, an unprivileged port, or port 67 without a relay")
    func noClaims() {
        #expect(AddressEvidence.claimed(by: F.request(.discover, mac: F.macA, requested: F.ip("192.168.1.23")), sourcePort: 68) == nil)
        #expect(AddressEvidence.claimed(by: F.request(.request, mac: F.macA), sourcePort: 68) == nil)
        #expect(AddressEvidence.claimed(by: F.request(.request, mac: F.macA, requested: F.ip("192.168.1.23")), sourcePort: 40_000) == nil)
        #expect(AddressEvidence.claimed(by: F.request(.request, mac: F.macA, requested: F.ip("192.168.1.23")), sourcePort: 67) == nil)
        #expect(AddressEvidence.claimed(by: F.request(nil, mac: F.macA, requested: F.ip("192.168.1.23")), sourcePort: 68) == nil)
    }
}
