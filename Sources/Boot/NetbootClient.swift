import Wire

/// What a DHCP request says about the firmware asking to boot from the network.
public struct NetbootClient: Equatable, Sendable {
    /// Option 93 (RFC 4578 §2.1; IANA "Processor Architecture Types"); nil when not sent.
    public let architecture: UInt16?
    /// iPXE itself is asking: user class `iPXE` (option 77) or iPXE's encapsulated options (175).
    public let isIPXE: Bool
    /// UEFI HTTP boot: option 60 starts with `HTTPClient` (UEFI 2.5 §24.7).
    public let isHTTPClient: Bool
    /// Option 97 as sent, echoed in replies (RFC 4578 §2.3).
    public let uuid: [UInt8]?

    /// The netboot facts of a request, or nil when it is not a netboot client: no PXEClient or
    /// HTTPClient vendor class, no option 93 or 94, and not iPXE. A request whose option 97 is
    /// present but not 17 bytes (type 0 and a 16-byte GUID) is malformed and not answered as one.
    public static func classify(_ options: DHCPOptions) -> NetbootClient? {
        let vendor = options.vendorClass ?? ""
        let isIPXE = options.userClass.contains("iPXE") || options.ipxeEncapsulated != nil
        let isHTTP = vendor.hasPrefix("HTTPClient")
        let saysNetboot = vendor.hasPrefix("PXEClient") || isHTTP || !options.clientArchitectures.isEmpty
            || options.clientNDI != nil || isIPXE
        guard saysNetboot else { return nil }
        if let uuid = options.clientUUID, uuid.count != 17 { return nil }
        return NetbootClient(architecture: options.clientArchitectures.first, isIPXE: isIPXE, isHTTPClient: isHTTP,
                             uuid: options.clientUUID)
    }
}
