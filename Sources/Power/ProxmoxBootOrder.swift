import Wire

/// The `boot` value that makes a Proxmox VM try the network first (qemu-server's
/// `boot: order=DEV;DEV...`, PVE 6.2 and later). PVE has no one-time boot override, so `pxe`
/// puts `net0` first for good: provisiond answers an installed machine's boot with `exit` to the
/// local disk (DESIGN.md §3), so later boots still end on the disk.
public enum ProxmoxBootOrder {
    /// The new value, or nil when `net0` already comes first (nothing to write).
    public static func networkFirst(config: JSONValue) throws(PowerError) -> String? {
        guard config["net0"] != nil else { throw .unsupported("the VM has no net0: it cannot boot from the network") }
        let current = config["boot"]?.stringValue ?? ""
        var devices: [String]
        if current.hasPrefix("order=") {
            devices = current.dropFirst("order=".count).split(separator: ";").map(String.init)
        } else {
            // No order (or the legacy `cdn` letters): the VM's disks in PVE's default order.
            let prefixes = ["scsi", "virtio", "sata", "ide"]
            let keys = (config.objectValue ?? []).map(\.0)
            devices = prefixes.flatMap { prefix in
                keys.filter { $0.hasPrefix(prefix) && $0.dropFirst(prefix.count).allSatisfy(\.isNumber) && !$0.dropFirst(prefix.count).isEmpty }
                    .sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 }
            }
        }
        if devices.first == "net0" { return nil }
        return "order=" + (["net0"] + devices.filter { $0 != "net0" }).joined(separator: ";")
    }
}
