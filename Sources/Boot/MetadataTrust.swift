/// What proves that a boot-plane request naming a machine (its cloud-init payloads, k3s-config,
/// reports, the boot script that starts its install) comes from that machine (DESIGN.md §11).
/// A MAC is no proof: every host on the segment sees it in ARP and DHCP broadcasts.
public enum MetadataTrust: String, Sendable, CaseIterable {
    /// The request's source address must be network evidence for the machine (`AddressEvidence`).
    case address
    /// The MAC alone, as Matchbox and pixiecore do: for machines whose requests reach us through
    /// NAT or a proxy, so their source address proves nothing. Chosen explicitly, never by default.
    case mac

    /// `metadataTrust` as a profile or the server configuration spells it.
    public static func parse(_ text: String) -> MetadataTrust? { MetadataTrust(rawValue: text) }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
