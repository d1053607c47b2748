import Clusters
import Foundation
import Glibc
import Inventory

/// A kubespray cluster's files under the data directory: `clusters/NAME/inventory.ini` and
/// `hosts.yaml` (the two forms kubespray reads), and `runs/` with one log per playbook run.
struct KubesprayFiles: Sendable {
    let directory: String

    init(clustersDir: String, cluster: String) {
        directory = clustersDir + "/" + cluster
    }

    var iniPath: String { directory + "/inventory.ini" }
    var yamlPath: String { directory + "/hosts.yaml" }

    /// Writes both forms, each to a temporary file renamed over the old one so a playbook never
    /// reads half a file; a file that would not change is left alone. Returns whether any changed.
    @discardableResult
    func write(_ inventory: KubesprayInventory) throws(ProcessRunnerError) -> Bool {
        try makeDirectory(directory)
        let changedINI = try replace(iniPath, with: inventory.ini)
        let changedYAML = try replace(yamlPath, with: inventory.yaml)
        return changedINI || changedYAML
    }

    /// A new log file path for a run, e.g. `runs/2026-11-21T234000.123Z-cluster.yml.log`.
    func newRunLog(_ playbook: KubesprayRun.Playbook) throws(ProcessRunnerError) -> String {
        try makeDirectory(directory + "/runs")
        let stamp = Timestamp.now().replacingOccurrences(of: ":", with: "")
        return "\(directory)/runs/\(stamp)-\(playbook.rawValue).log"
    }

    private func makeDirectory(_ path: String) throws(ProcessRunnerError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw ProcessRunnerError("cannot create \(path): \(error.localizedDescription)")
        }
    }

    private func replace(_ path: String, with text: String) throws(ProcessRunnerError) -> Bool {
        if let current = FileManager.default.contents(atPath: path), current == Data(text.utf8) { return false }
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o640]) else {
            throw ProcessRunnerError("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else { throw .errno("cannot rename \(temporary) to \(path)", errno) }
        return true
    }
}
