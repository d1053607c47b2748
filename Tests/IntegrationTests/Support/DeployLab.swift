import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// A real provisiond with the shipped profiles (`debian-12-image` writes the image `debian-12`),
/// and the deploy environment's side of the conversation spoken with curl from this host.
struct DeployLab {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let profile = "debian-12-image"
    static let image = "debian-12"

    let server: ServerProcess

    /// `profiles`: the profiles directory (the shipped one unless a test changes them).
    init(_ dir: TemporaryDirectory, metadataTrust: String = "mac", profiles: String = Self.repository.path + "/profiles") throws {
        server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--profiles-dir", profiles,
                                                                                 "--cloud-init-dir", Self.repository.path + "/cloud-init"],
                                   metadataTrust: metadataTrust)
    }

    /// Imports `file` as the profile's image; returns its record.
    func importImage(_ file: String) throws -> JSONValue {
        let imported = try server.ctl(["image", "import", Self.image, "--file", file, "--json"])
        #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        return try JSONParser.parse(imported.stdout)
    }

    /// The machine's current install token, as the inventory holds it.
    func token(_ mac: String) throws -> String {
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        return try #require(try inventory.machine(try MACAddress(mac))).installToken
    }

    func state(_ mac: String) throws -> String {
        try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)["state"]?.stringValue ?? ""
    }

    func events(_ mac: String) throws -> [JSONValue] {
        try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
    }

    func eventNames(_ mac: String) throws -> [String] { try events(mac).map { $0["event"]?.stringValue ?? "" } }

    /// Registers `mac` with the image profile and fetches its boot script, as its iPXE would:
    /// the machine is `booting` the deploy environment. Returns the script.
    @discardableResult
    func registerAndBoot(_ mac: String, profile: String = Self.profile) throws -> String {
        #expect(try server.ctl(["register", mac, "--hostname", "h" + mac.replacingOccurrences(of: ":", with: "").suffix(4),
                                "--profile", profile]).status == 0)
        return try boot(mac)
    }

    @discardableResult
    func boot(_ mac: String) throws -> String {
        let (status, script) = try request("GET", "/boot.ipxe?mac=\(mac)")
        #expect(status == 200, "\(script)")
        return script
    }

    /// The facts document the environment would post for a machine with `disks` (name, size,
    /// partition table); `paths` overrides a disk's /dev path (a loop device standing in).
    static func facts(_ disks: [(name: String, bytes: Int, table: String?)], paths: [String: String] = [:]) -> String {
        let items = disks.map { disk -> String in
            let table = disk.table.map { "\"\($0)\"" } ?? "null"
            return """
                {"name":"\(disk.name)","path":"\(paths[disk.name] ?? "/dev/\(disk.name)")","by_id":["/dev/disk/by-id/virtio-SN\(disk.name)"],\
                "size_bytes":\(disk.bytes),"model":null,"serial":"SN\(disk.name)","rotational":false,"removable":false,\
                "transport":"virtio","partition_table":\(table)}
                """
        }
        return """
            {"version":1,"environment":"test","system":{"vendor":"Acme","product":"Rack1","serial":"SN42","uuid":null},\
            "firmware":{"mode":"bios","secure_boot":null},"cpu":{"model":"Test CPU","sockets":1,"cores":1,"threads":1},\
            "memory":{"total_bytes":1073741824},"disks":[\(items.joined(separator: ","))],"nics":[]}
            """
    }

    /// A boot-plane request with curl: the status and the body.
    func request(_ method: String, _ path: String, body: String? = nil, headers: [String] = []) throws -> (Int, String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method] + headers.flatMap { ["-H", $0] }
        if method == "HEAD" { arguments = ["-s", "-I", "-o", "-", "-w", "\n%{http_code}"] + headers.flatMap { ["-H", $0] } }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try runTool("curl", arguments + [server.httpURL + path])
        let answer = try #require(CurlStatusLine.split(result.stdout), "\(result.stdout) \(result.stderr)")
        return (answer.status, answer.body)
    }

    /// Reports `facts` with the machine's current token.
    func reportFacts(_ mac: String, _ facts: String) throws {
        let (status, body) = try request("POST", "/deploy/\(mac)/facts?token=\(try token(mac))", body: facts)
        #expect(status == 200, "\(body)")
    }

    /// The deploy environment's whole conversation for a registered machine with a blank 4 GiB
    /// disk, as it would hold it having written the imported image: boot script, facts, plan,
    /// `deployed` with the mapped blocks' checksum. The machine is `installing` after it, and
    /// its written system's cloud-init comes next.
    func deploy(_ mac: String) throws {
        #expect(try boot(mac).contains("provisiond.mode=deploy"))
        try reportFacts(mac, Self.facts([("vda", 4 << 30, nil)]))
        let token = try token(mac)
        let (planStatus, plan) = try request("POST", "/deploy/\(mac)/plan?token=\(token)")
        let sha = plan.split(separator: "\n").first { $0.hasPrefix("sha256=") }?.dropFirst("sha256=".count)
        #expect(planStatus == 200 && sha != nil, "\(plan)")
        let (status, body) = try request("POST", "/deploy/\(mac)/deployed?token=\(token)&sha256=\(sha ?? "")&disk=/dev/vda")
        #expect(status == 200 && body.contains("\"installing\""), "\(body)")
    }

    static func sha256(_ path: String) throws -> String {
        String(try runTool("sha256sum", [path]).stdout.prefix(64))
    }
}
