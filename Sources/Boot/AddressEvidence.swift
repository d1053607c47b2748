import Wire

/// An address the network tells us belongs to a machine, and how we know (DESIGN.md §11).
public struct AddressEvidence: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The operator reserved it (`--ip`).
        case reservedIP = "reserved IP"
        /// Our DHCP server leased it to one of the machine's MACs (full mode), still bound.
        case lease = "DHCP lease"
        /// One of the machine's MACs asked another DHCP server for it, in a DHCPREQUEST we
        /// overheard (proxy mode; RFC 2131 §4.3.2 / §4.4.1: a client in SELECTING or INIT-REBOOT
        /// broadcasts its REQUEST, naming the address in option 50 or ciaddr).
        case dhcpRequest = "DHCP request"
        /// Its profile's network configuration, rendered for it, assigns it (`ConfiguredAddresses`).
        case configured = "configured address"
    }

    public let address: IPv4Address
    public let kind: Kind

    public init(_ address: IPv4Address, _ kind: Kind) {
        self.address = address
        self.kind = kind
    }

    public var description: String { "\(kind.rawValue) \(address)" }
}

/// Decides whether a request's source address is evidence for the machine it names: the pure
/// half of the boot plane's origin check; the server gathers the evidence and acts on the verdict.
public enum OriginCheck {
    public enum Verdict: Equatable, Sendable {
        /// From one of the machine's addresses (`evidence` is nil under `MetadataTrust.mac`).
        case trusted(AddressEvidence?)
        /// From elsewhere: the reason names the source and what was expected, for the machine's
        /// event and the 403.
        case refused(String)
    }

    /// `source` is nil when the request did not come over IPv4: no evidence we hold can match it.
    /// `sourceText` is formatted only for a refusal (inet_ntop and a String on every request cost
    /// the served ones ~1 % of the user-data route's samples).
    public static func verdict(source: IPv4Address?, sourceText: @autoclosure () -> String, evidence: [AddressEvidence],
                               trust: MetadataTrust) -> Verdict {
        if trust == .mac { return .trusted(nil) }
        if let source, let match = evidence.first(where: { $0.address == source }) { return .trusted(match) }
        guard !evidence.isEmpty else {
            return .refused("request from \(sourceText()), and no address is known for this machine yet (no reserved IP, DHCP lease "
                            + "or overheard DHCP request): reserve its IP, let provisiond's DHCP see it boot, "
                            + "or set metadataTrust to mac for its profile")
        }
        let known = evidence.map(\.description).joined(separator: ", ")
        return .refused("request from \(sourceText()), which is not this machine's address (\(known))")
    }
}

extension AddressEvidence {
    /// The address a DHCP packet says its client has or is taking: option 50 of a REQUEST, else
    /// its ciaddr (RENEWING, INFORM). Only from the client port 68 (binding it needs privilege on
    /// the sender's host, so an unprivileged program there cannot forge one) or from a relay
    /// (port 67 with giaddr, RFC 2131 §4.1); nil for anything else.
    public static func claimed(by packet: DHCPPacket, sourcePort: UInt16) -> IPv4Address? {
        guard sourcePort == 68 || (sourcePort == 67 && packet.giaddr.rawValue != 0) else { return nil }
        switch packet.options.messageType {
        case .request?, .inform?: break
        default: return nil
        }
        if let requested = packet.options.requestedAddress, requested.rawValue != 0 { return requested }
        return packet.ciaddr.rawValue == 0 ? nil : packet.ciaddr
    }
}
