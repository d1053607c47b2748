import Wire

/// One subnet served in full DHCP mode.
public struct DHCPSubnet: Equatable, Sendable {
    public let network: IPv4Address
    public let prefixLength: Int
    /// The pool handed out dynamically, inclusive.
    public let range: ClosedRange<UInt32>
    public let router: IPv4Address?
    public let dns: [IPv4Address]
    public let domain: String?
    public let leaseSeconds: Int

    public init(cidr: String, range: (IPv4Address, IPv4Address), router: IPv4Address? = nil, dns: [IPv4Address] = [],
                domain: String? = nil, leaseSeconds: Int = 3600) throws(DHCPConfigError) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let length = Int(parts[1]), (8...30).contains(length),
              let address = try? IPv4Address(String(parts[0]))
        else { throw DHCPConfigError("subnet \"\(cidr)\": expected ADDRESS/PREFIX with a prefix from 8 to 30, like 10.77.0.0/24") }
        let mask = UInt32.max << (32 - length)
        guard address.rawValue & ~mask == 0 else {
            throw DHCPConfigError("subnet \"\(cidr)\": \(address) has host bits set for /\(length); use \(IPv4Address(rawValue: address.rawValue & mask))/\(length)")
        }
        network = address
        prefixLength = length
        let (first, last) = range
        guard first <= last else { throw DHCPConfigError("subnet \(cidr): range \(first)-\(last) is backwards") }
        self.range = first.rawValue...last.rawValue
        self.router = router
        self.dns = dns
        self.domain = domain
        self.leaseSeconds = leaseSeconds
        guard (60...(366 * 86_400)).contains(leaseSeconds) else {
            throw DHCPConfigError("subnet \(cidr): leaseSeconds \(leaseSeconds) must be from 60 to 31622400")
        }
        for address in [first, last] where !hostContains(address) {
            throw DHCPConfigError("subnet \(cidr): range address \(address) is not a host address of the subnet")
        }
        if let router, !hostContains(router) { throw DHCPConfigError("subnet \(cidr): router \(router) is not in the subnet") }
    }

    public var mask: IPv4Address { IPv4Address(rawValue: UInt32.max << (32 - prefixLength)) }
    public var broadcast: IPv4Address { IPv4Address(rawValue: network.rawValue | ~mask.rawValue) }

    public func contains(_ address: IPv4Address) -> Bool { address.rawValue & mask.rawValue == network.rawValue }

    /// In the subnet and neither its network nor its broadcast address.
    public func hostContains(_ address: IPv4Address) -> Bool {
        contains(address) && address != network && address != broadcast
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

public struct DHCPConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
