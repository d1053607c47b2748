import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// A provisiond with a minimal boot profile (`test`) and helpers to take machines through their
/// install the way they would: the cloud-init user-data fetch, then phone-home with the install
/// token.
struct ClusterLab {
    let directory: TemporaryDirectory
    let server: ServerProcess

    init(extraArguments: [String] = []) throws {
        directory = try TemporaryDirectory()
        let profiles = directory.path + "/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try #"{"kernel": "k/linux", "initrd": "k/initrd.gz", "cmdline": "{{ nocloud_seed }}"}"#
            .write(toFile: profiles + "/test.json", atomically: true, encoding: .utf8)
        server = try ServerProcess(dataDir: directory.path + "/data",
                                   extraArguments: ["--profiles-dir", profiles, "--cloud-init-dir", directory.path] + extraArguments)
    }

    func remove() {
        server.stop()
        directory.remove()
    }

    @discardableResult
    func ctl(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try server.ctl(arguments)
        #expect(result.status == 0, "provisionctl \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Registers a member of `cluster` with the test profile.
    func register(_ mac: String, _ hostname: String, role: String, ip: String, cluster: String = "lab") throws {
        try ctl(["register", mac, "--hostname", hostname, "--profile", "test", "--cluster", cluster, "--role", role, "--ip", ip])
    }

    /// registered → installing → installed over the boot plane, as the installer would.
    func install(_ mac: String) throws {
        let userData = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.httpURL + "/cloud-init/\(mac)/user-data"])
        try #require(userData.stdout == "200", "user-data for \(mac): \(userData.stdout)")
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        let token = try #require(try inventory.machine(try MACAddress(mac))).installToken
        let phoneHome = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "instance_id=x",
                                             server.httpURL + "/cloud-init/\(mac)/phone-home?token=\(token)"])
        try #require(phoneHome.stdout == "200", "phone-home for \(mac): \(phoneHome.stdout)")
    }

    func state(_ mac: String) throws -> String {
        try JSONParser.parse(try ctl(["show", mac, "--json"]))["state"]?.stringValue ?? ""
    }

    func events(_ mac: String) throws -> [JSONValue] {
        try JSONParser.parse(try ctl(["events", mac, "--json"])).arrayValue ?? []
    }

    /// Polls until `condition` holds (the deployer and hooks work off the request path).
    func waitFor(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
        do { try poll(what, seconds: seconds, every: 0.05, condition) } catch let error as PollTimedOut {
            throw TestFailure("\(error); provisiond log:\n\(server.log)")
        }
    }
}

/// The repository's virtualenv with the PyPI peers (`$PROVISIOND_VENV`, else `<repo>/.venv`):
/// scripts/test makes it. A missing one fails the test.
enum Venv {
    static func tool(_ name: String) throws -> URL {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let environment = ProcessInfo.processInfo.environment["PROVISIOND_VENV"].flatMap { $0.isEmpty ? nil : $0 }
        let venv = environment ?? repository.appendingPathComponent(".venv").path
        let path = venv + "/bin/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: run scripts/test (it makes .venv with ansible-core and fakepve) or set PROVISIOND_VENV")
        }
        return URL(fileURLWithPath: path)
    }
}
