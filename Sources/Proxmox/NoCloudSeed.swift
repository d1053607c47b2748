import Foundation
import Wire

/// The NoCloud datasource in the VM's SMBIOS serial (cloud-init DataSourceNoCloud reads
/// system-serial-number like a command line): `NoCloudSeedForm`'s one string, which every
/// cloud-init we test uses in network mode. PVE's smbios1 takes the value base64-encoded with
/// `base64=1` (qemu-server PVE::QemuServer smbios1 format: `serial` is limited to
/// `[-_.\w]` unless base64), and keeps its `uuid`.
public enum NoCloudSeed {
    public static func seedURL(server: String, mac: String) -> String {
        (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/cloud-init/\(mac)/"
    }

    /// smbios1 with the serial set; the other fields of `existing` (uuid, ...) are kept.
    public static func smbios1(existing: String?, seedURL: String) -> String {
        var fields: [(String, String)] = []
        for part in (existing ?? "").split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, !["serial", "base64"].contains(pair[0]) else { continue }
            // With base64=1 every text field is read as base64: only the uuid stays as it is.
            if pair[0] == "uuid" { fields.append((pair[0], pair[1])) }
        }
        fields.append(("serial", Data(NoCloudSeedForm.text(seedURL: seedURL).utf8).base64EncodedString()))
        fields.append(("base64", "1"))
        return fields.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
    }
}
