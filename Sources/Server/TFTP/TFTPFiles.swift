/// Where TFTP file names are found: the iPXE binaries in the iPXE directory (Debian's `ipxe`
/// package puts them in /usr/lib/ipxe), everything else under the TFTP root.
struct TFTPFiles: Sendable {
    let root: ServedDirectory
    let ipxe: ServedDirectory

    /// The names DHCP hands to firmware (DESIGN.md §4): BIOS, x86 UEFI, UEFI SNP-only, ARM64 UEFI.
    static let ipxeBinaries: Set<String> = ["undionly.kpxe", "ipxe.efi", "snponly.efi", "snp.efi"]

    /// An iPXE binary missing from the iPXE directory may come from the root; any other failure
    /// there (unreadable, a symlink out) is the answer, not a reason to look elsewhere.
    func open(_ name: String) throws(ServedDirectory.OpenError) -> ServedDirectory.OpenFile {
        if Self.ipxeBinaries.contains(name) {
            do { return try ipxe.open(name) } catch .notFound { } catch { throw error }
        }
        return try root.open(name)
    }
}
