/// Typed views of the address, number and text options (RFC 2132). Getters return nil (or an
/// empty list) when the option is absent or its value has the wrong length; setting nil (or an
/// empty list) removes the option.
extension DHCPOptions {
    /// Option 53 (RFC 2132 §9.6).
    public var messageType: DHCPMessageType? {
        get { byte(DHCPOptionCode.messageType).flatMap(DHCPMessageType.init(rawValue:)) }
        set { self[DHCPOptionCode.messageType] = newValue.map { [$0.rawValue] } }
    }

    /// Option 50 (RFC 2132 §9.1).
    public var requestedAddress: IPv4Address? {
        get { address(DHCPOptionCode.requestedAddress) }
        set { setAddress(newValue, DHCPOptionCode.requestedAddress) }
    }

    /// Option 54 (RFC 2132 §9.7).
    public var serverIdentifier: IPv4Address? {
        get { address(DHCPOptionCode.serverIdentifier) }
        set { setAddress(newValue, DHCPOptionCode.serverIdentifier) }
    }

    /// Option 1 (RFC 2132 §3.3).
    public var subnetMask: IPv4Address? {
        get { address(DHCPOptionCode.subnetMask) }
        set { setAddress(newValue, DHCPOptionCode.subnetMask) }
    }

    /// Option 28 (RFC 2132 §5.3).
    public var broadcastAddress: IPv4Address? {
        get { address(DHCPOptionCode.broadcastAddress) }
        set { setAddress(newValue, DHCPOptionCode.broadcastAddress) }
    }

    /// Option 51, lease time in seconds (RFC 2132 §9.2); 0xFFFFFFFF is infinite.
    public var leaseSeconds: UInt32? {
        get { uint32(DHCPOptionCode.leaseTime) }
        set { setUInt32(newValue, DHCPOptionCode.leaseTime) }
    }

    /// Option 58, T1 (RFC 2132 §9.11).
    public var renewalSeconds: UInt32? {
        get { uint32(DHCPOptionCode.renewalTime) }
        set { setUInt32(newValue, DHCPOptionCode.renewalTime) }
    }

    /// Option 59, T2 (RFC 2132 §9.12).
    public var rebindingSeconds: UInt32? {
        get { uint32(DHCPOptionCode.rebindingTime) }
        set { setUInt32(newValue, DHCPOptionCode.rebindingTime) }
    }

    /// Option 3 (RFC 2132 §3.5): routers in order of preference. Trailing bytes that do not
    /// make a whole address are ignored.
    public var routers: [IPv4Address] {
        get { addresses(DHCPOptionCode.routers) }
        set { setAddresses(newValue, DHCPOptionCode.routers) }
    }

    /// Option 6 (RFC 2132 §3.8).
    public var dnsServers: [IPv4Address] {
        get { addresses(DHCPOptionCode.dnsServers) }
        set { setAddresses(newValue, DHCPOptionCode.dnsServers) }
    }

    /// Option 12 (RFC 2132 §3.14).
    public var hostname: String? {
        get { text(DHCPOptionCode.hostname) }
        set { setText(newValue, DHCPOptionCode.hostname) }
    }

    /// Option 15 (RFC 2132 §3.17).
    public var domainName: String? {
        get { text(DHCPOptionCode.domainName) }
        set { setText(newValue, DHCPOptionCode.domainName) }
    }

    /// Option 56, a server's error text or a client's reason for DECLINE (RFC 2132 §9.9).
    public var message: String? {
        get { text(DHCPOptionCode.message) }
        set { setText(newValue, DHCPOptionCode.message) }
    }

    /// Option 55 (RFC 2132 §9.8): option codes the client asks for, in its order of preference.
    public var parameterRequestList: [UInt8] {
        get { self[DHCPOptionCode.parameterRequestList] ?? [] }
        set { self[DHCPOptionCode.parameterRequestList] = newValue.isEmpty ? nil : newValue }
    }

    /// Option 57 (RFC 2132 §9.10): the largest DHCP message the client accepts (at least 576).
    public var maxMessageSize: UInt16? {
        get {
            guard let value = self[DHCPOptionCode.maxMessageSize], value.count == 2 else { return nil }
            return UInt16(value[0]) << 8 | UInt16(value[1])
        }
        set { self[DHCPOptionCode.maxMessageSize] = newValue.map { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
    }

    /// Option 61 (RFC 2132 §9.14): usually the hardware type then the MAC, or RFC 4361 IAID+DUID.
    public var clientIdentifier: [UInt8]? {
        get { self[DHCPOptionCode.clientIdentifier] }
        set { self[DHCPOptionCode.clientIdentifier] = newValue }
    }

    /// Option 52 (RFC 2132 §9.3): 1 `file`, 2 `sname`, 3 both hold options. `decode` honours
    /// it; `encode` never overloads and leaves it out.
    public var overload: UInt8? {
        get { byte(DHCPOptionCode.overload) }
        set { self[DHCPOptionCode.overload] = newValue.map { [$0] } }
    }

    func byte(_ code: UInt8) -> UInt8? {
        guard let value = self[code], value.count == 1 else { return nil }
        return value[0]
    }

    func uint32(_ code: UInt8) -> UInt32? {
        guard let value = self[code], value.count == 4 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func setUInt32(_ number: UInt32?, _ code: UInt8) {
        self[code] = number.map { IPv4Address(rawValue: $0).octets }
    }

    func address(_ code: UInt8) -> IPv4Address? { uint32(code).map(IPv4Address.init(rawValue:)) }

    mutating func setAddress(_ address: IPv4Address?, _ code: UInt8) { setUInt32(address?.rawValue, code) }

    func addresses(_ code: UInt8) -> [IPv4Address] {
        guard let value = self[code] else { return [] }
        return stride(from: 0, to: value.count - value.count % 4, by: 4).map { start in
            IPv4Address(rawValue: value[start..<start + 4].reduce(0) { $0 << 8 | UInt32($1) })
        }
    }

    mutating func setAddresses(_ addresses: [IPv4Address], _ code: UInt8) {
        self[code] = addresses.isEmpty ? nil : addresses.flatMap(\.octets)
    }

    /// Text options are not NUL-terminated (RFC 2132 §2), but some clients add one: trailing
    /// NULs are dropped. Invalid UTF-8 is repaired with U+FFFD.
    func text(_ code: UInt8) -> String? {
        guard var value = self[code]?[...] else { return nil }
        while value.last == 0 { value.removeLast() }
        return String(decoding: value, as: UTF8.self)
    }

    mutating func setText(_ text: String?, _ code: UInt8) {
        self[code] = text.map { Array($0.utf8) }
    }
}
