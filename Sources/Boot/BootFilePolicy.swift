import Wire

/// Which file a netboot client is told to load (DESIGN.md §4).
public enum BootFile: Equatable, Sendable {
    /// A file name fetched over TFTP from `siaddr`.
    case tftp(String)
    /// A URL fetched over HTTP: iPXE's script, or an EFI binary for UEFI HTTP boot.
    case http(String)

    public var name: String {
        switch self {
        case .tftp(let name), .http(let name): name
        }
    }
}

public struct BootFilePolicy: Sendable, Equatable {
    /// Where machines reach the boot plane, e.g. `http://10.77.0.1:8080`.
    public let serverURL: String
    /// x86 UEFI gets `snponly.efi` (uses the firmware's own NIC driver) instead of `ipxe.efi`.
    public let preferSNPOnly: Bool

    public init(serverURL: String, preferSNPOnly: Bool = false) {
        self.serverURL = serverURL
        self.preferSNPOnly = preferSNPOnly
    }

    /// The boot file for `client` with MAC `mac`, or nil for an architecture we have no iPXE for.
    public func bootFile(for client: NetbootClient, mac: MACAddress) -> BootFile? {
        // iPXE already runs: hand it the script. This breaks the chainload loop (firmware PXE →
        // iPXE → DHCP again → iPXE binary → ...).
        if client.isIPXE { return .http("\(serverURL)/boot.ipxe?mac=\(mac)") }
        guard let binary = Self.ipxeBinary(for: client.architecture ?? 0, preferSNPOnly: preferSNPOnly) else { return nil }
        if client.isHTTPClient { return .http("\(serverURL)/ipxe/\(binary)") }
        return .tftp(binary)
    }

    /// RFC 4578 §2.1 / IANA processor architecture types.
    static func ipxeBinary(for architecture: UInt16, preferSNPOnly: Bool) -> String? {
        let x86UEFI = preferSNPOnly ? "snponly.efi" : "ipxe.efi"
        switch architecture {
        case 0: return "undionly.kpxe"          // x86 BIOS
        case 6, 7, 9: return x86UEFI             // x86 UEFI (IA32, x64, and x64 as EBC)
        case 15, 16: return x86UEFI              // x86 UEFI HTTP boot (IA32, x64)
        case 11, 19: return "snp.efi"            // ARM64 UEFI, ARM64 UEFI HTTP boot
        default: return nil
        }
    }
}
