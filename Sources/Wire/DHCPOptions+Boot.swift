/// Typed views of the network boot options: PXE (RFC 4578, PXE 2.1), iPXE, the user class
/// (RFC 3004) and the relay agent information (RFC 3046).
extension DHCPOptions {
    /// Option 60 (RFC 2132 §9.13), e.g. `PXEClient:Arch:00007:UNDI:003016` from firmware,
    /// `PXEClient` or `HTTPClient` in a server's reply.
    public var vendorClass: String? {
        get { text(DHCPOptionCode.vendorClass) }
        set { setText(newValue, DHCPOptionCode.vendorClass) }
    }

    /// Option 66 (RFC 2132 §9.4).
    public var tftpServerName: String? {
        get { text(DHCPOptionCode.tftpServerName) }
        set { setText(newValue, DHCPOptionCode.tftpServerName) }
    }

    /// Option 67 (RFC 2132 §9.5): the boot file when `file` is overloaded or too short (an
    /// HTTP boot URL, for example).
    public var bootFileName: String? {
        get { text(DHCPOptionCode.bootFileName) }
        set { setText(newValue, DHCPOptionCode.bootFileName) }
    }

    /// Option 77, user classes. RFC 3004 §4 frames each class with a length byte, but iPXE and
    /// some other clients send one bare string (`iPXE`, no length prefix). The value is read as
    /// RFC 3004 items only when non-zero length bytes tile it exactly; otherwise it is one class.
    /// `iPXE` is bare: its first byte, 0x69, would claim 105 bytes of a 4-byte value.
    /// Setting writes RFC 3004 form; to send a bare class, set `self[77]` to its bytes.
    public var userClass: [String] {
        get {
            guard let value = self[DHCPOptionCode.userClass], !value.isEmpty else { return [] }
            guard let items = Self.rfc3004Items(value) else { return [String(decoding: value, as: UTF8.self)] }
            return items.map { String(decoding: $0, as: UTF8.self) }
        }
        set {
            let items = newValue.map { Array($0.utf8.prefix(255)) }.filter { !$0.isEmpty }
            self[DHCPOptionCode.userClass] = items.isEmpty ? nil : items.flatMap { [UInt8($0.count)] + $0 }
        }
    }

    /// Whether option 77 is in RFC 3004 form (false for a bare string such as iPXE's, and when absent).
    public var userClassIsRFC3004: Bool {
        guard let value = self[DHCPOptionCode.userClass] else { return false }
        return Self.rfc3004Items(value) != nil
    }

    /// The RFC 3004 items of `value`, nil unless non-zero length bytes tile it exactly.
    static func rfc3004Items(_ value: [UInt8]) -> [ArraySlice<UInt8>]? {
        var items: [ArraySlice<UInt8>] = []
        var index = 0
        while index < value.count {
            let length = Int(value[index])
            guard length > 0, index + 1 + length <= value.count else { return nil }
            items.append(value[index + 1..<index + 1 + length])
            index += 1 + length
        }
        return items.isEmpty ? nil : items
    }

    /// Option 93 (RFC 4578 §2.1): client system architectures, 16 bits each (IANA "Processor
    /// Architecture Types": 0 x86 BIOS, 6 IA32 UEFI, 7 and 9 x64 UEFI, 11 ARM64 UEFI,
    /// 15/16 x86/x64 UEFI HTTP). A trailing odd byte is ignored.
    public var clientArchitectures: [UInt16] {
        get {
            guard let value = self[DHCPOptionCode.clientArchitecture] else { return [] }
            return stride(from: 0, to: value.count - value.count % 2, by: 2).map { UInt16(value[$0]) << 8 | UInt16(value[$0 + 1]) }
        }
        set {
            self[DHCPOptionCode.clientArchitecture] = newValue.isEmpty ? nil : newValue.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        }
    }

    /// Option 94 (RFC 4578 §2.2): network interface identifier, type 1 (UNDI) then major and
    /// minor version.
    public var clientNDI: [UInt8]? {
        get { self[DHCPOptionCode.clientNDI] }
        set { self[DHCPOptionCode.clientNDI] = newValue }
    }

    /// Option 97 (RFC 4578 §2.3): type 0 then a 16-byte machine identifier (usually the
    /// SMBIOS UUID). PXE servers echo it in their replies.
    public var clientUUID: [UInt8]? {
        get { self[DHCPOptionCode.clientUUID] }
        set { self[DHCPOptionCode.clientUUID] = newValue }
    }

    /// Option 97's identifier as canonical UUID text (`00112233-4455-6677-8899-aabbccddeeff`),
    /// the form `dmidecode`, `/sys/class/dmi/id/product_uuid` and Proxmox's `smbios1` show. The
    /// firmware copies the SMBIOS bytes, whose first three fields are little-endian (SMBIOS 2.6
    /// §7.2.1): iPXE and OVMF both do (see the fixtures); this swaps them back. Nil unless the
    /// option is type 0 with 16 bytes.
    public var clientMachineUUID: String? {
        guard let value = clientUUID, value.count == 17, value[0] == 0 else { return nil }
        let id = Array(value[1...])
        let ordered = id[0..<4].reversed() + id[4..<6].reversed() + id[6..<8].reversed() + id[8..<16]
        let hex = ordered.map(hexByte)
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }

    /// Option 43 raw (RFC 2132 §8.4); its meaning depends on the vendor class.
    public var vendorSpecific: [UInt8]? {
        get { self[DHCPOptionCode.vendorSpecific] }
        set { self[DHCPOptionCode.vendorSpecific] = newValue }
    }

    /// Option 43 read as encapsulated sub-options (RFC 2132 §8.4 framing), as PXE clients use it
    /// (PXE 2.1 §2.4); nil if absent or malformed. Setting writes the sub-options and END.
    public var vendorSubOptions: [DHCPSubOption]? {
        get { vendorSpecific.flatMap { DHCPSubOptions.decode($0, framing: .padAndEnd) } }
        set { vendorSpecific = newValue.map { DHCPSubOptions.encode($0, framing: .padAndEnd) } }
    }

    /// PXE sub-option 6 of option 43, PXE_DISCOVERY_CONTROL (PXE 2.1 §2.4.5.2): bit 3 (value
    /// 8) tells the client to take the boot file from this reply without boot server discovery.
    /// Setting replaces sub-option 6 and keeps the others.
    public var pxeDiscoveryControl: UInt8? {
        get {
            guard let item = vendorSubOptions?.first(where: { $0.code == Self.pxeDiscoveryControlCode }),
                  item.value.count == 1 else { return nil }
            return item.value[0]
        }
        set {
            var items = (vendorSubOptions ?? []).filter { $0.code != Self.pxeDiscoveryControlCode }
            if let newValue { items.append((Self.pxeDiscoveryControlCode, [newValue])) }
            vendorSubOptions = items.isEmpty ? nil : items
        }
    }

    /// PXE 2.1 §2.4.5.2.
    public static let pxeDiscoveryControlCode: UInt8 = 6

    /// Option 82 sub-options in order (RFC 3046 §2.0): 1 circuit ID, 2 remote ID, others as
    /// sent. Nil if absent or malformed. A server echoes the option unchanged (RFC 3046 §2.2).
    public var relayAgentInformation: [DHCPSubOption]? {
        get { self[DHCPOptionCode.relayAgentInformation].flatMap { DHCPSubOptions.decode($0, framing: .plain) } }
        set { self[DHCPOptionCode.relayAgentInformation] = newValue.map { DHCPSubOptions.encode($0, framing: .plain) } }
    }

    /// Sub-option 1 of option 82, the agent circuit ID (RFC 3046 §3.1).
    public var relayCircuitID: [UInt8]? { relayAgentInformation?.first { $0.code == 1 }?.value }

    /// Sub-option 2 of option 82, the agent remote ID (RFC 3046 §3.2).
    public var relayRemoteID: [UInt8]? { relayAgentInformation?.first { $0.code == 2 }?.value }

    /// Option 175 sub-options in order: iPXE's feature flags (for example 16 PXE extensions,
    /// 19 HTTP, 21 TFTP, 23 DNS, 36 EFI) and its bus ID (177). RFC 2132 §8.4 framing. Nil if
    /// absent or malformed.
    public var ipxeEncapsulated: [DHCPSubOption]? {
        get { self[DHCPOptionCode.ipxeEncapsulated].flatMap { DHCPSubOptions.decode($0, framing: .padAndEnd) } }
        set {
            // iPXE writes no END inside option 175; neither do we (END is optional, RFC 2132 §8.4).
            self[DHCPOptionCode.ipxeEncapsulated] = newValue.map { Array(DHCPSubOptions.encode($0, framing: .padAndEnd).dropLast()) }
        }
    }
}
