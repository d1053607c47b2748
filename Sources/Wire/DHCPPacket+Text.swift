/// Human-readable forms of a DHCP message: a one-line summary for logs and a full dump, one
/// header field or option per line, used by the golden fixtures in Tests/WireTests/Fixtures/dhcp
/// (scripts/dhcp_fixture.py writes the same format independently).
extension DHCPPacket: CustomStringConvertible {
    /// For example `DHCPDISCOVER xid 0x1a2b3c4d from 52:54:00:12:34:56`.
    public var description: String {
        let kind = options.messageType?.description ?? (op == Self.bootReply ? "BOOTREPLY" : "BOOTREQUEST")
        let from = clientMAC?.description ?? "chaddr " + Self.hexList(Array(chaddr.prefix(Int(min(hlen, 16)))))
        return "\(kind) xid 0x\(dhcpHex32(xid)) \(op == Self.bootReply ? "to" : "from") \(from)"
    }

    /// Every header field, then every option in order of first appearance, one per line.
    public var dumpLines: [String] {
        var lines = [
            "op: \(op) \(op == Self.bootRequest ? "BOOTREQUEST" : op == Self.bootReply ? "BOOTREPLY" : "unknown")",
            "htype: \(htype)",
            "hlen: \(hlen)",
            "hops: \(hops)",
            "xid: 0x\(dhcpHex32(xid))",
            "secs: \(secs)",
            "flags: 0x\(hexByte(UInt8(flags >> 8)))\(hexByte(UInt8(flags & 0xFF)))\(isBroadcast ? " broadcast" : "")",
            "ciaddr: \(ciaddr)",
            "yiaddr: \(yiaddr)",
            "siaddr: \(siaddr)",
            "giaddr: \(giaddr)",
            "chaddr: \(Self.hexList(chaddr))",
            "client MAC: \(clientMAC?.description ?? "none")",
            "sname: \(Self.quoted(Array(sname.utf8)))",
            "file: \(Self.quoted(Array(file.utf8)))",
        ]
        for code in options.codes {
            let name = DHCPOptionCode.name(of: code).map { " (\($0))" } ?? ""
            lines.append("option \(code)\(name): \(Self.optionText(code, options[code] ?? [], in: options))")
        }
        return lines
    }

    /// `dumpLines`, each ended by a newline.
    public var dump: String { dumpLines.map { $0 + "\n" }.joined() }

    private static func optionText(_ code: UInt8, _ value: [UInt8], in options: DHCPOptions) -> String {
        guard !value.isEmpty else { return "(empty)" }
        switch code {
        case DHCPOptionCode.messageType:
            if value.count == 1, let type = DHCPMessageType(rawValue: value[0]) { return type.name }
        case DHCPOptionCode.subnetMask, DHCPOptionCode.routers, DHCPOptionCode.dnsServers, DHCPOptionCode.broadcastAddress,
             DHCPOptionCode.requestedAddress, DHCPOptionCode.serverIdentifier:
            if value.count % 4 == 0 { return options.addresses(code).map(\.description).joined(separator: ", ") }
        case DHCPOptionCode.leaseTime, DHCPOptionCode.renewalTime, DHCPOptionCode.rebindingTime:
            if let number = options.uint32(code) { return String(number) }
        case DHCPOptionCode.maxMessageSize:
            if let number = options.maxMessageSize { return String(number) }
        case DHCPOptionCode.overload:
            if value.count == 1 { return String(value[0]) }
        case DHCPOptionCode.parameterRequestList:
            return value.map(String.init).joined(separator: ", ")
        case DHCPOptionCode.hostname, DHCPOptionCode.domainName, DHCPOptionCode.message, DHCPOptionCode.vendorClass,
             DHCPOptionCode.tftpServerName, DHCPOptionCode.bootFileName:
            return quoted(value)
        case DHCPOptionCode.userClass:
            if let items = DHCPOptions.rfc3004Items(value) {
                return "RFC 3004 [" + items.map { quoted(Array($0)) }.joined(separator: ", ") + "]"
            }
            return "bare " + quoted(value)
        case DHCPOptionCode.clientArchitecture:
            if value.count % 2 == 0 { return options.clientArchitectures.map(String.init).joined(separator: ", ") }
        case DHCPOptionCode.vendorSpecific, DHCPOptionCode.ipxeEncapsulated:
            if let items = DHCPSubOptions.decode(value, framing: .padAndEnd) { return subOptionText(items) }
        case DHCPOptionCode.relayAgentInformation:
            if let items = DHCPSubOptions.decode(value, framing: .plain) { return subOptionText(items) }
        default:
            break
        }
        return hexList(value)
    }

    private static func subOptionText(_ items: [DHCPSubOption]) -> String {
        "{" + items.map { "\($0.code): \($0.value.isEmpty ? "(empty)" : hexList($0.value))" }.joined(separator: "; ") + "}"
    }

    static func hexList(_ bytes: [UInt8]) -> String { bytes.map(hexByte).joined(separator: " ") }

    /// Bytes in double quotes: printable ASCII as is, `"` and `\` escaped, anything else `\xNN`.
    static func quoted(_ bytes: [UInt8]) -> String {
        var text = "\""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + hexByte(byte)
            }
        }
        return text + "\""
    }
}
