import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// Commissioning against the real binary (DESIGN.md §13): the deploy environment's own facts
/// script (`scripts/deploy-env/facts.sh`, run by busybox sh on this host, whose hardware it
/// reads) posted with curl and the install token; what `provisionctl show` and the API make of
/// it; wrong tokens and malformed documents refused and recorded, the state left alone.
@Suite(.timeLimit(.minutes(3))) struct CommissioningCurlTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func server(_ dir: TemporaryDirectory, metadataTrust: String = "mac") throws -> ServerProcess {
        try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--profiles-dir", Self.repository.path + "/profiles",
                                                                        "--cloud-init-dir", Self.repository.path + "/cloud-init"],
                          metadataTrust: metadataTrust)
    }

    /// Registers `mac` and returns its install token.
    private func register(_ server: ServerProcess, _ mac: String, _ hostname: String) throws -> String {
        #expect(try server.ctl(["register", mac, "--hostname", hostname, "--profile", "local-disk"]).status == 0)
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        return try #require(try inventory.machine(try MACAddress(mac))).installToken
    }

    /// The facts document of this host, as the deploy environment's script makes it.
    private func hostFacts() throws -> String {
        let script = Self.repository.path + "/scripts/deploy-env/facts.sh"
        let result = try runTool("busybox", ["sh", "-c", ". \"$0\" && facts_json", script])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// POSTs `body` to the boot plane; the status code and the response body.
    private func post(_ server: ServerProcess, _ path: String, _ body: String) throws -> (Int, String) {
        let result = try runTool("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "-H", "Content-Type: application/json",
                                          "--data-binary", body, server.httpURL + path])
        let answer = try #require(CurlStatusLine.split(result.stdout), "\(result.stdout) \(result.stderr)")
        return (answer.status, answer.body)
    }

    private func events(_ server: ServerProcess, _ mac: String) throws -> [JSONValue] {
        try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
    }

    @Test func theEnvironmentsFactsScriptReportsThisHost() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:70:01"
        let token = try register(server, mac, "facts1")
        let document = try hostFacts()
        let (status, body) = try post(server, "/deploy/\(mac)/facts?token=\(token)", document)
        #expect(status == 200, "\(body)")

        let shown = try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)
        let facts = try #require(shown["facts"])
        #expect(facts["cpu"]?["threads"] == .int(ProcessInfo.processInfo.activeProcessorCount))
        #expect(facts["firmware"]?["mode"] == .string(FileManager.default.fileExists(atPath: "/sys/firmware/efi") ? "uefi" : "bios"))
        let memory = try #require(facts["memory"]?["total_bytes"]?.intValue)
        #expect(memory > 0 && UInt64(memory) <= ProcessInfo.processInfo.physicalMemory)
        // Every block device with a driver behind it, as /sys lists them.
        let blockDevices = try FileManager.default.contentsOfDirectory(atPath: "/sys/block").filter {
            FileManager.default.fileExists(atPath: "/sys/block/\($0)/device") && !$0.hasPrefix("loop") && !$0.hasPrefix("sr")
        }
        #expect(Set(facts["disks"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []) == Set(blockDevices))
        #expect(facts["reportedAt"]?.stringValue?.isEmpty == false)
        #expect(shown["state"] == .string("registered"))

        let text = try server.ctl(["show", mac])
        #expect(text.status == 0)
        #expect(text.stdout.contains("threads\n") || text.stdout.contains(" threads"), "\(text.stdout)")
        for disk in blockDevices { #expect(text.stdout.contains("disk:       /dev/\(disk) "), "\(text.stdout)") }
        let commissioned = try #require(try events(server, mac).last)
        #expect(commissioned["event"] == .string("commissioned"))
        #expect(commissioned["detail"]?.stringValue?.contains("\(ProcessInfo.processInfo.activeProcessorCount) CPUs") == true)

        // The API's own route answers the same document.
        let (apiStatus, apiBody) = try server.curl("GET", "/api/v1/machines/\(mac)/facts")
        #expect(apiStatus == 200)
        #expect(try JSONParser.parse(apiBody) == facts)
        server.stop()
        #expect(server.log.contains("commissioned") && server.log.contains("mac=\(mac)"))
    }

    @Test func wrongTokensAndMalformedFactsAreRefusedAndRecorded() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:70:02"
        let token = try register(server, mac, "facts2")
        let document = try hostFacts()
        #expect(try post(server, "/deploy/\(mac)/facts?token=\(String(repeating: "0", count: 64))", document).0 == 403)
        #expect(try post(server, "/deploy/\(mac)/facts", document).0 == 403)
        let (status, body) = try post(server, "/deploy/\(mac)/facts?token=\(token)", document.replacingOccurrences(of: #""version":1"#, with: #""version":7"#))
        #expect(status == 400)
        #expect(body.contains("malformed facts for \(mac): facts.version: format 7 is not supported"), "\(body)")
        #expect(try post(server, "/deploy/\(mac)/facts?token=\(token)", "{").0 == 400)
        #expect(try post(server, "/deploy/52:54:00:00:70:99/facts?token=\(token)", document).0 == 404)
        let get = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.httpURL + "/deploy/\(mac)/facts"])
        #expect(get.stdout == "405")
        #expect(try events(server, mac).map { $0["event"]?.stringValue ?? "" }
                == ["register", "facts-refused", "facts-refused", "facts-refused", "facts-refused"])
        let (apiStatus, apiBody) = try server.curl("GET", "/api/v1/machines/\(mac)/facts")
        #expect(apiStatus == 404 && apiBody.contains("has not been commissioned"), "\(apiBody)")
        let shown = try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)
        #expect(shown["facts"] == .null && shown["state"] == .string("registered"))
    }

    /// Under address trust (the default), facts count only from one of the machine's addresses,
    /// token or not (DESIGN.md §11): the test's own address is none of them.
    @Test func factsFromAnotherAddressAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir, metadataTrust: "address")
        let mac = "52:54:00:00:70:03"
        #expect(try server.ctl(["register", mac, "--hostname", "facts3", "--profile", "local-disk", "--ip", "10.0.0.9"]).status == 0)
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        let token = try #require(try inventory.machine(try MACAddress(mac))).installToken
        let (status, body) = try post(server, "/deploy/\(mac)/facts?token=\(token)", try hostFacts())
        #expect(status == 403 && body.contains("facts of \(mac) refused: request from 127.0.0.1, which is not this machine's address"), "\(body)")
        #expect(try events(server, mac).map { $0["event"]?.stringValue ?? "" } == ["register", "facts-refused"])
        #expect(try inventory.facts(of: try MACAddress(mac)) == nil)
    }
}
