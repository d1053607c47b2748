/// Option codes this server reads or writes, with the RFC that defines each.
public enum DHCPOptionCode {
    /// RFC 2132 §3.3.
    public static let subnetMask: UInt8 = 1
    /// RFC 2132 §3.5.
    public static let routers: UInt8 = 3
    /// RFC 2132 §3.8.
    public static let dnsServers: UInt8 = 6
    /// RFC 2132 §3.14.
    public static let hostname: UInt8 = 12
    /// RFC 2132 §3.17.
    public static let domainName: UInt8 = 15
    /// RFC 2132 §5.3.
    public static let broadcastAddress: UInt8 = 28
    /// RFC 2132 §8.4; for PXE clients, PXE 2.1 §2.4 sub-options.
    public static let vendorSpecific: UInt8 = 43
    /// RFC 2132 §9.1.
    public static let requestedAddress: UInt8 = 50
    /// RFC 2132 §9.2.
    public static let leaseTime: UInt8 = 51
    /// RFC 2132 §9.3.
    public static let overload: UInt8 = 52
    /// RFC 2132 §9.6.
    public static let messageType: UInt8 = 53
    /// RFC 2132 §9.7.
    public static let serverIdentifier: UInt8 = 54
    /// RFC 2132 §9.8.
    public static let parameterRequestList: UInt8 = 55
    /// RFC 2132 §9.9.
    public static let message: UInt8 = 56
    /// RFC 2132 §9.10.
    public static let maxMessageSize: UInt8 = 57
    /// RFC 2132 §9.11.
    public static let renewalTime: UInt8 = 58
    /// RFC 2132 §9.12.
    public static let rebindingTime: UInt8 = 59
    /// RFC 2132 §9.13.
    public static let vendorClass: UInt8 = 60
    /// RFC 2132 §9.14.
    public static let clientIdentifier: UInt8 = 61
    /// RFC 2132 §9.4.
    public static let tftpServerName: UInt8 = 66
    /// RFC 2132 §9.5.
    public static let bootFileName: UInt8 = 67
    /// RFC 3004 §4.
    public static let userClass: UInt8 = 77
    /// RFC 3046 §2.0.
    public static let relayAgentInformation: UInt8 = 82
    /// RFC 4578 §2.1.
    public static let clientArchitecture: UInt8 = 93
    /// RFC 4578 §2.2.
    public static let clientNDI: UInt8 = 94
    /// RFC 4578 §2.3.
    public static let clientUUID: UInt8 = 97
    /// iPXE's encapsulated options (IANA "Etherboot", used by iPXE for its feature flags).
    public static let ipxeEncapsulated: UInt8 = 175

    /// A short name for logs and the text dump, nil for codes not listed here.
    public static func name(of code: UInt8) -> String? {
        switch code {
        case subnetMask: "subnet mask"
        case routers: "routers"
        case dnsServers: "DNS servers"
        case hostname: "hostname"
        case domainName: "domain name"
        case broadcastAddress: "broadcast address"
        case vendorSpecific: "vendor specific"
        case requestedAddress: "requested address"
        case leaseTime: "lease time"
        case overload: "overload"
        case messageType: "message type"
        case serverIdentifier: "server identifier"
        case parameterRequestList: "parameter request list"
        case message: "message"
        case maxMessageSize: "max message size"
        case renewalTime: "renewal time"
        case rebindingTime: "rebinding time"
        case vendorClass: "vendor class"
        case clientIdentifier: "client identifier"
        case tftpServerName: "TFTP server name"
        case bootFileName: "boot file name"
        case userClass: "user class"
        case relayAgentInformation: "relay agent information"
        case clientArchitecture: "client architecture"
        case clientNDI: "client NDI"
        case clientUUID: "client UUID"
        case ipxeEncapsulated: "iPXE encapsulated"
        default: nil
        }
    }
}
