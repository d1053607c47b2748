import Model
import Wire

/// iPXE scripts the boot plane serves. Each starts with `#!ipxe`, the signature iPXE requires.
public enum IPXEScript {
    /// Load the profile's kernel and initrds and boot them; retry on failure instead of falling
    /// through to another boot device mid-install.
    /// `cmdline` is the profile's command line rendered for this machine.
    public static func install(machine: Machine, profile: Profile, cmdline: String, serverURL: String) -> String {
        let kernelURL = url(profile.kernel ?? "", serverURL: serverURL)
        // UEFI iPXE hands an initrd to the kernel's EFI stub only when the command line names it
        // (`initrd=NAME`); BIOS ignores it. Without it an EFI boot panics for want of a root fs.
        let initrdNames = profile.initrds.map { "initrd=\(Profile.fileName(of: $0))" }
        let kernelLine = (["kernel", kernelURL] + initrdNames + (cmdline.isEmpty ? [] : [cmdline])).joined(separator: " ")
        var lines = [
            "#!ipxe",
            "echo provisiond: installing \(machine.hostname ?? machine.mac.description) (\(machine.mac)) with profile \(profile.name)",
            ":retry",
            kernelLine + " || goto failed",
        ]
        for initrd in profile.initrds { lines.append("initrd \(url(initrd, serverURL: serverURL)) || goto failed") }
        lines += [
            "boot || goto failed",
            ":failed",
            "echo provisiond: could not load the installer, trying again in 10 seconds",
            "sleep 10",
            "goto retry",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Leave iPXE so the firmware boots the next device: the local disk. `exit 1`, not `exit`:
    /// UEFI firmware that sees a boot option return success stops and shows its menu (UEFI
    /// 2.x §3.1.1; OVMF does), while a failure makes it try the next boot option. BIOS boots
    /// the next device either way.
    public static func localDisk(mac: MACAddress, reason: String) -> String {
        "#!ipxe\necho provisiond: \(mac) \(reason): booting the local disk\nexit 1\n"
    }

    /// Wait, then ask the boot plane again.
    public static func hold(mac: MACAddress, reason: String, serverURL: String, seconds: Int = 30) -> String {
        "#!ipxe\necho provisiond: \(mac) \(reason); asking again in \(seconds) seconds\nsleep \(seconds)\n"
            + "chain \(serverURL)/boot.ipxe?mac=\(mac)\n"
    }

    /// An asset path becomes a URL under `/assets/`; URLs stay as they are.
    static func url(_ source: String, serverURL: String) -> String {
        if source.hasPrefix("http://") || source.hasPrefix("https://") { return source }
        return "\(serverURL)/assets/\(AssetPath.components(source)?.joined(separator: "/") ?? source)"
    }
}
