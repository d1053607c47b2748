import Foundation

/// What the test images' `provisiond-test-verdict` unit prints on the second serial port once
/// cloud-init's final stage is over (scripts/cloud-image/provisiond-test-verdict): sections
/// `PVD ## NAME` between `PVD ## BEGIN` and `PVD ## END`, every line prefixed `PVD `.
struct CloudInitVerdict: Sendable {
    let sections: [String: String]

    /// nil until the END marker has been printed.
    init?(_ text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> Substring? in
            guard let start = line.range(of: "PVD ") else { return nil }
            return line[start.upperBound...]
        }
        guard let begin = lines.lastIndex(of: "## BEGIN"), lines[begin...].contains("## END") else { return nil }
        var sections: [String: String] = [:]
        var current: String?
        for line in lines[begin...].dropFirst() {
            if line == "## END" { break }
            if line.hasPrefix("## ") {
                current = String(line.dropFirst(3))
                sections[current!] = ""
            } else if let name = current {
                sections[name, default: ""] += line + "\n"
            }
        }
        self.sections = sections
    }

    subscript(_ name: String) -> String { sections[name] ?? "" }

    /// `cloud-init --version`'s major version ("/usr/bin/cloud-init 22.4.2" → 22).
    var majorVersion: Int? {
        let version = self["version"].split(whereSeparator: \.isWhitespace).last ?? ""
        return Int(version.split(separator: ".").first ?? "")
    }

    /// The `status:` line of `cloud-init status --long` ("done", "error", "running", ...).
    var status: String? { field("status") }

    /// `extended_status:` (cloud-init 23.4+: "degraded done" when there were recoverable errors).
    var extendedStatus: String? { field("extended_status") }

    /// cloud-init.log's WARNING and deprecation records, each its first line with the lines that
    /// continue it (a command's stderr), joined by line breaks.
    var warnings: [String] {
        var records: [String] = []
        for line in self["warnings"].split(separator: "\n") {
            if line.wholeMatch(of: /\d{4}-\d\d-\d\d .*/) != nil || records.isEmpty { records.append(String(line)) } else {
                records[records.count - 1] += "\n" + line
            }
        }
        return records
    }

    /// The warnings that are not `imageNoise`: what the test holds against our payloads.
    var unexplainedWarnings: [String] { warnings.filter { !Self.isImageNoise($0) } }

    /// A warning the image's own packages cause on every boot in network mode, whatever the
    /// payload (the fallback DHCP config gets it too): cloud-init 22.4's network stage runs
    /// `netplan apply` and logs anything on its stderr as a WARNING (activators.py), and Debian
    /// 12's netplan 0.106 always says something there at that point: 22.4 writes
    /// /etc/netplan/50-cloud-init.yaml world-readable ("Permissions ... are too open"; 23.x
    /// writes it 0600), no Open vSwitch runs, and the stage runs before D-Bus (so netplan
    /// restarts networkd itself). Any other line in that stderr (a netplan error about our
    /// network configuration, say) is not noise.
    static func isImageNoise(_ record: String) -> Bool {
        let lines = record.split(separator: "\n")
        guard let first = lines.first, first.contains("activators.py[WARNING]: Running ['netplan', 'apply'] resulted in stderr output:")
        else { return false }
        return lines.dropFirst().allSatisfy { line in
            line.trimmingCharacters(in: .whitespaces).isEmpty || netplanApplyNoise.contains { line.contains($0) }
        }
    }

    private static let netplanApplyNoise = [
        "Permissions for /etc/netplan/50-cloud-init.yaml are too open",
        "Cannot call openvswitch: ovsdb-server.service is not running.",
        "Failed to connect system bus: No such file or directory",
        "Falling back to a hard restart of systemd-networkd.service",
    ]

    /// result.json parsed: `v1.errors` (and 23.4+'s `v1.recoverable_errors`, by level).
    var errors: [String] {
        guard let data = self["result.json"].data(using: .utf8),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let v1 = json["v1"] as? [String: Any] else { return ["result.json unreadable: \(self["result.json"])"] }
        var errors = (v1["errors"] as? [Any] ?? []).map { "\($0)" }
        for (level, messages) in v1["recoverable_errors"] as? [String: Any] ?? [:] {
            errors += (messages as? [Any] ?? []).map { "\(level): \($0)" }
        }
        return errors
    }

    private func field(_ name: String) -> String? {
        self["status"].split(separator: "\n").first { $0.hasPrefix(name + ":") }
            .map { $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
    }
}
