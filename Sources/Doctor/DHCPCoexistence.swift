import Wire

/// An OFFER another DHCP server sent to doctor's DISCOVER, reduced to what decides coexistence.
public struct ForeignOffer: Sendable, Equatable {
    /// Option 54, else the datagram's source.
    public let server: IPv4Address
    /// The address offered; 0 for a proxyDHCP offer (PXE spec §2.2.5: no address).
    public let address: IPv4Address
    /// The boot file it names (the `file` field or option 67), empty if none.
    public let bootFile: String
    /// Option 60 `PXEClient`: the server speaks PXE (a proxyDHCP or a PXE-enabled server).
    public let pxe: Bool

    public init(server: IPv4Address, address: IPv4Address, bootFile: String, pxe: Bool) {
        self.server = server
        self.address = address
        self.bootFile = bootFile
        self.pxe = pxe
    }

    /// nil unless `packet` is a DHCPOFFER.
    public init?(_ packet: DHCPPacket, source: IPv4Address) {
        guard packet.op == DHCPPacket.bootReply, packet.options.messageType == .offer else { return nil }
        server = packet.options.serverIdentifier ?? source
        address = packet.yiaddr
        bootFile = packet.file.isEmpty ? packet.options.bootFileName ?? "" : packet.file
        pxe = packet.options.vendorClass?.hasPrefix("PXEClient") == true
    }

    public var givesAddress: Bool { address.rawValue != 0 }
    /// Firmware may take this offer's boot file instead of ours.
    public var offersBoot: Bool { pxe || !bootFile.isEmpty }

    var json: JSONValue {
        .object([("server", .string(server.description)), ("address", .string(givesAddress ? address.description : "")),
                 ("boot_file", .string(bootFile)), ("pxe", .bool(pxe))])
    }
}

/// Whether provisiond's DHCP mode can share the segment with the servers that answered.
public enum DHCPCoexistence {
    /// `mode`: `proxy`, `full`, or nil when provisiond's DHCP is off.
    public static func check(_ offers: [ForeignOffer], mode: String?, waited: Double, via: String) -> DoctorCheck {
        let name = "dhcp-other-servers"
        let details: [(String, JSONValue)] = [("interface", .string(via)), ("waited_seconds", .number(String(waited))),
                                              ("offers", .array(offers.map(\.json)))]
        let listed = offers.map { offer in
            "\(offer.server)" + (offer.givesAddress ? " offers \(offer.address)" : " (proxyDHCP, no address)")
                + (offer.offersBoot ? " with boot file \"\(offer.bootFile)\"\(offer.pxe ? " (PXEClient)" : "")" : "")
        }.joined(separator: "; ")
        // "3 s", "0.5 s"
        let window = waited == waited.rounded() ? String(Int(waited)) : String(waited)
        let booting = offers.filter(\.offersBoot)
        let addressing = offers.filter(\.givesAddress)
        switch mode {
        case "full":
            if offers.isEmpty { return DoctorCheck(name, .ok, "no other DHCP server answered on \(via) within \(window) s", details: details) }
            return DoctorCheck(name, .fail, "full mode shares \(via) with another DHCP server: \(listed)",
                               fix: "turn the other server off on this segment, or run provisiond with --dhcp-mode proxy and let it give the addresses",
                               details: details)
        case "proxy":
            if !booting.isEmpty {
                return DoctorCheck(name, .fail, "another server on \(via) hands out network boot files, so firmware may boot from it instead: \(listed)",
                                   fix: "remove the PXE options (boot file, next-server, proxyDHCP) from \(booting.map(\.server.description).joined(separator: ", ")); proxy mode coexists with a plain DHCP server",
                                   details: details)
            }
            if addressing.isEmpty {
                return DoctorCheck(name, .warn, "no DHCP server gave an address on \(via) within \(window) s: proxy mode gives none itself",
                                   fix: "make sure the network's DHCP server serves this segment, or run --dhcp-mode full with a subnet",
                                   details: details)
            }
            return DoctorCheck(name, .ok, "proxy mode coexists with the DHCP server(s) on \(via): \(listed)", details: details)
        default:
            if offers.isEmpty {
                return DoctorCheck(name, .warn, "DHCP is off and no DHCP server answered on \(via) within \(window) s",
                                   fix: "machines need a DHCP server whose boot options point at provisiond, or run --dhcp-mode proxy",
                                   details: details)
            }
            return DoctorCheck(name, .ok, "DHCP is off here; on \(via): \(listed)", details: details)
        }
    }
}
