import Boot
import Testing
import Wire

@Suite("DHCPSubnet: configuration checks and address arithmetic") struct DHCPSubnetTests {
    typealias F = DHCPFixture

    @Test func validSubnet() throws {
        let subnet = try DHCPSubnet(cidr: "10.77.0.0/24", range: (F.ip("10.77.0.100"), F.ip("10.77.0.110")), router: F.ip("10.77.0.1"),
                                    dns: [F.ip("10.77.0.1"), F.ip("1.1.1.1")], domain: "lab", leaseSeconds: 3600)
        #expect(subnet.network == F.ip("10.77.0.0"))
        #expect(subnet.prefixLength == 24)
        #expect(subnet.range == F.ip("10.77.0.100").rawValue...F.ip("10.77.0.110").rawValue)
        #expect(subnet.router == F.ip("10.77.0.1"))
        #expect(subnet.dns == [F.ip("10.77.0.1"), F.ip("1.1.1.1")])
        #expect(subnet.domain == "lab")
        #expect(subnet.leaseSeconds == 3600)
        #expect(subnet.description == "10.77.0.0/24")
        #expect(subnet.mask == F.ip("255.255.255.0"))
        #expect(subnet.broadcast == F.ip("10.77.0.255"))
    }

    @Test func defaults() throws {
        let subnet = try DHCPSubnet(cidr: "192.168.0.0/16", range: (F.ip("192.168.1.1"), F.ip("192.168.1.1")))
        #expect(subnet.router == nil)
        #expect(subnet.dns.isEmpty)
        #expect(subnet.domain == nil)
        #expect(subnet.leaseSeconds == 3600)
        #expect(subnet.range.count == 1)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "255.0.0.0", "10.255.255.255"),
        ("172.16.0.0/12", "255.240.0.0", "172.31.255.255"),
        ("10.77.0.0/23", "255.255.254.0", "10.77.1.255"),
        ("10.77.0.128/25", "255.255.255.128", "10.77.0.255"),
        ("10.77.0.4/30", "255.255.255.252", "10.77.0.7"),
    ])
    func maskAndBroadcast(cidr: String, mask: String, broadcast: String) throws {
        let network = try IPv4Address(String(cidr.split(separator: "/")[0]))
        let first = IPv4Address(rawValue: network.rawValue + 1)
        let subnet = try DHCPSubnet(cidr: cidr, range: (first, first))
        #expect(subnet.mask == F.ip(mask))
        #expect(subnet.broadcast == F.ip(broadcast))
    }

    @Test(arguments: [
        ("10.77.0.0", true, false),
        ("10.77.0.1", true, true),
        ("10.77.0.254", true, true),
        ("10.77.0.255", true, false),
        ("10.77.1.0", false, false),
        ("10.76.255.255", false, false),
        ("0.0.0.0", false, false),
        ("255.255.255.255", false, false),
    ])
    func containsAndHostContains(address: String, contains: Bool, hostContains: Bool) {
        let subnet = F.subnet77()
        #expect(subnet.contains(F.ip(address)) == contains)
        #expect(subnet.hostContains(F.ip(address)) == hostContains)
    }

    static func error(_ make: () throws(DHCPConfigError) -> DHCPSubnet) -> String? {
        do {
            _ = try make()
            return nil
        } catch {
            return error.description
        }
    }

    static let r100: (IPv4Address, IPv4Address) = (DHCPFixture.ip("10.77.0.100"), DHCPFixture.ip("10.77.0.110"))

    @Test(arguments: ["10.77.0.0/7", "10.77.0.0/31", "10.77.0.0/32", "10.77.0.0/0", "10.77.0.0", "10.77.0.0/", "10.77.0.0/x",
                      "10.77.0/24", "/24", "10.77.0.0/24/1", "10.77.0.0/-24", "host/24"])
    func malformedOrOutOfRangeCIDRIsRefused(cidr: String) {
        let message = Self.error { () throws(DHCPConfigError) in try DHCPSubnet(cidr: cidr, range: Self.r100) }
        #expect(message == "subnet \"\(cidr)\": expected ADDRESS/PREFIX with a prefix from 8 to 30, like 10.77.0.0/24")
    }

    @Test(arguments: [8, 30])
    func prefixBoundsAreAccepted(length: Int) throws {
        let subnet = try DHCPSubnet(cidr: "10.0.0.0/\(length)", range: (F.ip("10.0.0.1"), F.ip("10.0.0.2")))
        #expect(subnet.prefixLength == length)
    }

    @Test(arguments: [("10.77.0.1/24", "10.77.0.0/24"), ("10.77.0.128/24", "10.77.0.0/24"), ("10.77.1.0/23", "10.77.0.0/23")])
    func hostBitsSetAreRefusedWithTheFix(cidr: String, fix: String) {
        let message = Self.error { () throws(DHCPConfigError) in try DHCPSubnet(cidr: cidr, range: Self.r100) }
        #expect(message?.contains("has host bits set") == true)
        #expect(message?.hasSuffix("use \(fix)") == true)
    }

    @Test func backwardsRangeIsRefused() {
        let message = Self.error { () throws(DHCPConfigError) in
            try DHCPSubnet(cidr: "10.77.0.0/24", range: (F.ip("10.77.0.110"), F.ip("10.77.0.100")))
        }
        #expect(message == "subnet 10.77.0.0/24: range 10.77.0.110-10.77.0.100 is backwards")
    }

    @Test(arguments: [
        ("10.77.0.100", "10.77.1.10", "10.77.1.10"),   // end outside
        ("10.76.0.100", "10.77.0.10", "10.76.0.100"),  // start outside
        ("10.77.0.0", "10.77.0.10", "10.77.0.0"),      // network address
        ("10.77.0.200", "10.77.0.255", "10.77.0.255"), // broadcast address
    ])
    func rangeOutsideTheSubnetsHostsIsRefused(first: String, last: String, culprit: String) {
        let message = Self.error { () throws(DHCPConfigError) in try DHCPSubnet(cidr: "10.77.0.0/24", range: (F.ip(first), F.ip(last))) }
        #expect(message == "subnet 10.77.0.0/24: range address \(culprit) is not a host address of the subnet")
    }

    @Test(arguments: ["10.78.0.1", "10.77.0.0", "10.77.0.255"])
    func routerOutsideTheSubnetIsRefused(router: String) {
        let message = Self.error { () throws(DHCPConfigError) in
            try DHCPSubnet(cidr: "10.77.0.0/24", range: Self.r100, router: F.ip(router))
        }
        #expect(message == "subnet 10.77.0.0/24: router \(router) is not in the subnet")
    }

    @Test(arguments: [(59, false), (60, true), (3600, true), (31_622_400, true), (31_622_401, false), (0, false), (-1, false)])
    func leaseSecondsBounds(seconds: Int, valid: Bool) {
        let message = Self.error { () throws(DHCPConfigError) in try DHCPSubnet(cidr: "10.77.0.0/24", range: Self.r100, leaseSeconds: seconds) }
        if valid {
            #expect(message == nil)
        } else {
            #expect(message == "subnet 10.77.0.0/24: leaseSeconds \(seconds) must be from 60 to 31622400")
        }
    }
}
