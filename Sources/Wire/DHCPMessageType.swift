/// DHCP message types, the value of option 53 (RFC 2132 §9.6).
public enum DHCPMessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case discover = 1, offer, request, decline, ack, nak, release, inform

    /// The RFC's name without the DHCP prefix: DISCOVER, OFFER, ... INFORM.
    public var name: String {
        switch self {
        case .discover: "DISCOVER"
        case .offer: "OFFER"
        case .request: "REQUEST"
        case .decline: "DECLINE"
        case .ack: "ACK"
        case .nak: "NAK"
        case .release: "RELEASE"
        case .inform: "INFORM"
        }
    }

    /// The message's name as RFC 2131 writes it: DHCPDISCOVER, DHCPOFFER, ...
    public var description: String { "DHCP" + name }
}
