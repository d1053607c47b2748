import Boot
import Wire

/// The `dhcp` part of the configuration.
public struct DHCPSettings: Sendable, Equatable {
    /// nil: DHCP off.
    public var mode: DHCPMode? = .proxy
    /// Serve only this interface (SO_BINDTODEVICE); nil serves every interface.
    public var interface: String?
    public var subnets: [DHCPSubnet] = []
    /// x86 UEFI gets snponly.efi instead of ipxe.efi.
    public var preferSNPOnly = false

    public init() {}

    static let keys: Set<String> = ["mode", "interface", "subnets", "efiBinary"]
    static let subnetKeys: Set<String> = ["cidr", "range", "router", "dns", "domain", "leaseSeconds"]

    /// Reads `{"mode": ..., "interface": ..., "subnets": [...], "efiBinary": ...}`.
    mutating func apply(_ value: JSONValue, file: String) throws(StartupError) {
        func fail(_ message: String) -> StartupError { StartupError("config file \(file): dhcp: \(message)") }
        guard let members = value.objectValue else { throw fail("must be an object, not \(value.typeName)") }
        for (key, member) in members {
            switch key {
            case "mode":
                guard let text = member.stringValue else { throw fail("\"mode\" must be a string") }
                try setMode(text)
            case "interface":
                guard let text = member.stringValue, !text.isEmpty else { throw fail("\"interface\" must be an interface name") }
                interface = text
            case "efiBinary":
                guard let text = member.stringValue, ["ipxe.efi", "snponly.efi"].contains(text) else {
                    throw fail("\"efiBinary\" must be \"ipxe.efi\" or \"snponly.efi\"")
                }
                preferSNPOnly = text == "snponly.efi"
            case "subnets":
                guard let items = member.arrayValue else { throw fail("\"subnets\" must be a list") }
                subnets = []
                for (index, item) in items.enumerated() {
                    do { subnets.append(try Self.subnet(item)) } catch { throw fail("subnets[\(index)]: \(error.description)") }
                }
            default:
                throw fail("unknown key \"\(key)\" (known: \(Self.keys.sorted().joined(separator: ", ")))")
            }
        }
    }

    mutating func setMode(_ text: String) throws(StartupError) {
        switch text {
        case "off": mode = nil
        case "proxy": mode = .proxy
        case "full": mode = .full
        default: throw StartupError("unknown DHCP mode \"\(text)\" (proxy, full, off)")
        }
    }

    private static func subnet(_ value: JSONValue) throws(DHCPConfigError) -> DHCPSubnet {
        guard let members = value.objectValue else { throw DHCPConfigError("must be an object") }
        for (key, _) in members where !subnetKeys.contains(key) {
            throw DHCPConfigError("unknown key \"\(key)\" (known: \(subnetKeys.sorted().joined(separator: ", ")))")
        }
        func address(_ json: JSONValue?, _ field: String) throws(DHCPConfigError) -> IPv4Address {
            guard let text = json?.stringValue else { throw DHCPConfigError("\"\(field)\" must be an IPv4 address string") }
            do { return try IPv4Address(text) } catch { throw DHCPConfigError("\"\(field)\": \(error.description)") }
        }
        guard let cidr = value["cidr"]?.stringValue else { throw DHCPConfigError("\"cidr\" is required, like \"10.77.0.0/24\"") }
        guard let range = value["range"]?.arrayValue, range.count == 2 else {
            throw DHCPConfigError("\"range\" must be [FIRST, LAST], like [\"10.77.0.100\", \"10.77.0.200\"]")
        }
        let router = try value["router"].map { json throws(DHCPConfigError) in try address(json, "router") }
        var dns: [IPv4Address] = []
        if let list = value["dns"] {
            guard let items = list.arrayValue else { throw DHCPConfigError("\"dns\" must be a list of addresses") }
            for item in items { dns.append(try address(item, "dns")) }
        }
        var domain: String?
        if let json = value["domain"] {
            guard let text = json.stringValue else { throw DHCPConfigError("\"domain\" must be a string") }
            domain = text
        }
        var leaseSeconds = 3600
        if let json = value["leaseSeconds"] {
            guard let seconds = json.intValue else { throw DHCPConfigError("\"leaseSeconds\" must be a whole number") }
            leaseSeconds = seconds
        }
        return try DHCPSubnet(cidr: cidr, range: (try address(range[0], "range"), try address(range[1], "range")), router: router,
                              dns: dns, domain: domain, leaseSeconds: leaseSeconds)
    }
}
