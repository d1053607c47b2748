import Foundation
import TestSupport
import Testing

/// fakepve and a provisiond that has it as endpoint `lab` (API token, the test CA as trust),
/// after checking that the same endpoint without trust is refused naming both trust options.
struct ProxmoxLab {
    static let image = "https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2"

    let pve: FakePVE
    let server: ServerProcess

    init(_ dir: TemporaryDirectory, faults: [FakePVE.Fault] = [], responseDelay: Double = 0, serverArguments: [String] = []) throws {
        pve = try FakePVE(directory: dir.path + "/pve", faults: faults, responseDelay: responseDelay)
        server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--server-url", "http://10.77.0.1:8080"] + serverArguments)
        try FakePVE.tokenSecret.write(toFile: dir.path + "/secret", atomically: true, encoding: .utf8)
        let add = ["proxmox", "add", "lab", "--url", pve.url, "--token-id", FakePVE.tokenID, "--token-secret-file", dir.path + "/secret"]
        let untrusted = try server.ctl(add)
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("--ca-file") && untrusted.stderr.contains("--fingerprint"), "\(untrusted.stderr)")
        let added = try server.ctl(add + ["--ca-file", pve.pki.caFile])
        #expect(added.status == 0, "\(added.stderr)")
    }

    /// `template rollout` of debian-12 on `nodes`, answered as JSON.
    func rollout(nodes: [String] = ["pve1", "pve2"], _ extra: [String] = []) throws -> ProcessResult {
        try server.ctl(["proxmox", "template", "rollout", "--endpoint", "lab", "--name", "debian-12", "--image-url", Self.image,
                        "--checksum", "sha256:" + String(repeating: "ab", count: 32), "--storage", "local-lvm", "--import-storage", "local",
                        "--json"] + nodes.flatMap { ["--node", $0] } + extra)
    }

    /// `vm create NAME` from the debian-12 template, answered as JSON.
    func createVM(_ name: String, _ extra: [String] = []) throws -> ProcessResult {
        try server.ctl(["proxmox", "vm", "create", name, "--endpoint", "lab", "--template", "debian-12", "--profile", "debian-12", "--json"] + extra)
    }
}
