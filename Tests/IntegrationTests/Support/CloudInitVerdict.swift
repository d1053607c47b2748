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

    /// Lines of cloud-init.log with WARNING or a deprecation.
    var warnings: [String] { self["warnings"].split(separator: "\n").map(String.init) }

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
