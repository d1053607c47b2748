import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// A MAC is not a password (DESIGN.md §11): on one bridged segment, a victim machine (its own
/// namespace, addressed by a real DHCP client) and an attacker host on another address who knows
/// the victim's MAC, and even its install token. The attacker reads nothing and changes nothing;
/// the victim installs; secrets end with the install. Full mode (the victim's evidence is our
/// lease) and proxy mode (another DHCP server, busybox udhcpd, leases; provisiond overhears the
/// victim's DHCPREQUEST).
@Suite(.serialized, .timeLimit(.minutes(4))) struct BootPlaneTrustTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let victimMAC = "52:54:00:7e:00:01"
    static let strangerMAC = "52:54:00:7e:00:02"
    static let attackerMAC = "52:54:00:7e:00:66"
    static let attackerAddress = "10.81.0.66"
    static let server = "http://\(CloudImageLab.serverAddress):8080"

    /// The victim's profile: the shipped k3s-server one (its user-data carries the install token
    /// and the k3s-config URL), with a kernel so that its boot script starts an install.
    private func profiles(_ dir: TemporaryDirectory) throws -> String {
        let shipped = try JSONParser.parse(Array(try Data(contentsOf: Self.repository.appendingPathComponent("profiles/k3s-server.json"))))
        guard case .object(var members) = shipped else { throw TestFailure("profiles/k3s-server.json is not an object") }
        members.append(("kernel", .string("netboot/vmlinuz")))
        try FileManager.default.createDirectory(atPath: dir.file("profiles"), withIntermediateDirectories: true)
        try dir.write("profiles/pxe-k3s.json", JSONValue.object(members).encoded(pretty: true))
        return dir.file("profiles")
    }

    private func start(_ lab: CloudImageLab, _ dir: TemporaryDirectory, mode: String) throws -> ServerProcess {
        let config = try dir.write("provisiond.json", """
            {"dhcp": {"mode": "\(mode)", "subnets": [
              {"cidr": "\(CloudImageLab.subnet)", "range": ["10.81.0.100", "10.81.0.150"], "router": "\(CloudImageLab.serverAddress)",
               "leaseSeconds": 3600}]}}
            """)
        let server = try ServerProcess(dataDir: dir.file("data"), extraArguments: [
            "--config", config, "--dhcp-mode", mode, "--interface", lab.bridge, "--http-listen", "0.0.0.0:8080",
            "--profiles-dir", try profiles(dir), "--cloud-init-dir", Self.repository.path + "/cloud-init",
        ], namespace: lab.namespace, metadataTrust: "address")
        #expect(try server.ctl(["cluster", "create", "lab", "--kind", "k3s", "--version", "v1.31.4+k3s1"]).status == 0)
        #expect(try server.ctl(["register", Self.victimMAC, "--hostname", "victim", "--profile", "pxe-k3s", "--cluster", "lab",
                                "--role", "server"]).status == 0)
        return server
    }

    /// Leases an address for `host` with busybox udhcpc (one lease, then it quits) and returns it.
    private func lease(_ host: String, _ dir: TemporaryDirectory) throws -> String {
        let script = try dir.write("udhcpc.sh", """
            #!/bin/sh
            case "$1" in bound|renew) ip addr replace "$ip/$mask" dev "$interface"; echo "leased=$ip" ;; esac
            """)
        chmod(script, 0o755)
        let result = try runTool("ip", ["netns", "exec", host, try toolPath("busybox"), "udhcpc", "-i", "eth0", "-n", "-q", "-t", "10", "-T", "2",
                                        "-s", script])
        guard let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix("leased=") }) else {
            throw TestFailure("udhcpc in \(host) got no lease (\(result.status)): \(result.stdout)\(result.stderr)")
        }
        return String(line.dropFirst("leased=".count))
    }

    /// One HTTP request from inside `host`: status and body.
    private func request(from host: String, _ method: String, _ path: String, body: String? = nil) throws -> (status: Int, body: String) {
        var arguments = ["netns", "exec", host, try toolPath("curl"), "-s", "-o", "-", "-w", "\n%{http_code}", "--max-time", "20"]
        arguments += method == "HEAD" ? ["-I"] : ["-X", method]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try runTool("ip", arguments + [Self.server + path])
        // No status line: curl failed (status 0), as the callers expect of an unreachable server.
        return CurlStatusLine.split(result.stdout) ?? (0, result.stdout)
    }

    private func machine(_ server: ServerProcess, _ mac: String = victimMAC) throws -> Machine {
        try #require(try Inventory(path: server.dataDir + "/provision.db").machine(try MACAddress(mac)))
    }

    private func events(_ server: ServerProcess, _ mac: String = victimMAC) throws -> [MachineEvent] {
        try Inventory(path: server.dataDir + "/provision.db").events(try MACAddress(mac))
    }

    /// Everything the attacker tries, with the victim's install token in hand (as if it had
    /// leaked): each refused (403), no secret in any answer, nothing changed but one recorded
    /// refusal naming the attacker's address.
    private func attack(_ server: ServerProcess, from attacker: String) throws {
        let token = try machine(server).installToken
        let clusterToken = try Inventory(path: server.dataDir + "/provision.db").cluster(named: "lab").token
        let before = try events(server).count
        let mac = Self.victimMAC
        for (method, path, body) in [("GET", "/cloud-init/\(mac)/user-data", nil), ("HEAD", "/cloud-init/\(mac)/user-data", nil),
                                     ("GET", "/cloud-init/\(mac)/meta-data", nil), ("GET", "/cloud-init/\(mac)/k3s-config?token=\(token)", nil),
                                     ("POST", "/cloud-init/\(mac)/phone-home?token=\(token)", "{}"),
                                     ("POST", "/cloud-init/\(mac)/failed?token=\(token)", #"{"reason": "attacker"}"#)] as [(String, String, String?)] {
            let answer = try request(from: attacker, method, path, body: body)
            #expect(answer.status == 403, "\(method) \(path) from the attacker: \(answer.status) \(answer.body)")
            #expect(!answer.body.contains(token) && !answer.body.contains(clusterToken), "\(method) \(path) leaked a secret")
        }
        // The boot script holds no secret and is served; it starts no install from a stranger.
        #expect(try request(from: attacker, "GET", "/boot.ipxe?mac=\(mac)").status == 200)
        #expect(try machine(server).state == .registered)
        #expect(try machine(server).installToken == token)
        let added = try events(server).dropFirst(before)
        #expect(added.count == 1, "one refusal a minute per machine, got \(added.map { "\($0.event) \($0.detail)" })")
        #expect(added.first.map { $0.event.hasSuffix("-refused") && $0.detail.contains("request from \(Self.attackerAddress)") } == true,
                "\(added.map { "\($0.event) \($0.detail)" })")
    }

    /// The victim's own install from its own address: HEADs change nothing, the boot script starts
    /// the install, user-data carries the token, k3s-config the cluster token, the phone-home
    /// makes it ready (no hooks); then neither the spent token nor the new one gets k3s-config.
    private func install(_ server: ServerProcess, from victim: String) throws {
        let mac = Self.victimMAC
        #expect(try request(from: victim, "HEAD", "/cloud-init/\(mac)/user-data").status == 200)
        #expect(try request(from: victim, "HEAD", "/boot.ipxe?mac=\(mac)").status == 200)
        #expect(try machine(server).state == .registered, "a HEAD changed the state")
        #expect(try request(from: victim, "GET", "/boot.ipxe?mac=\(mac)").body.contains("kernel"))
        #expect(try machine(server).state == .booting)
        let userData = try request(from: victim, "GET", "/cloud-init/\(mac)/user-data")
        let token = try machine(server).installToken
        #expect(userData.status == 200 && userData.body.contains("phone-home?token=\(token)"))
        #expect(try machine(server).state == .installing)
        let config = try request(from: victim, "GET", "/cloud-init/\(mac)/k3s-config?token=\(token)")
        #expect(config.status == 200 && config.body.contains("cluster-init: true"), "\(config)")
        #expect(try request(from: victim, "POST", "/cloud-init/\(mac)/phone-home?token=\(token)", body: #"{"v1": {"errors": []}}"#).status == 200)
        #expect(eventually(seconds: 30) { (try? machine(server).state) == .ready })
        #expect(try request(from: victim, "GET", "/cloud-init/\(mac)/k3s-config?token=\(token)").status == 403, "the spent token still works")
        let current = try machine(server).installToken
        #expect(current != token)
        let ready = try request(from: victim, "GET", "/cloud-init/\(mac)/k3s-config?token=\(current)")
        #expect(ready.status == 403 && ready.body.contains("is ready"), "\(ready)")
    }

    @Test func fullModeTheLeaseSpeaksForTheVictimAndNoOneElse() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try CloudImageLab()
        defer { lab.remove() }
        let server = try start(lab, dir, mode: "full")
        defer { _ = server.stop() }
        let victim = try lab.addHost(mac: Self.victimMAC)
        let attacker = try lab.addHost(mac: Self.attackerMAC)
        #expect(try runTool("ip", ["-n", attacker, "addr", "add", "\(Self.attackerAddress)/24", "dev", "eth0"]).status == 0)
        _ = try lease(victim, dir)

        try attack(server, from: attacker)
        try install(server, from: victim)
    }

    @Test func proxyModeAnOverheardDHCPRequestSpeaksForTheVictim() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try CloudImageLab()
        defer { lab.remove() }
        let server = try start(lab, dir, mode: "proxy")
        defer { _ = server.stop() }
        #expect(try server.ctl(["register", Self.strangerMAC, "--hostname", "unseen", "--profile", "pxe-k3s"]).status == 0)
        // The segment's own DHCP server: busybox udhcpd on another host.
        let router = try lab.addHost(mac: "52:54:00:7e:00:fe")
        #expect(try runTool("ip", ["-n", router, "addr", "add", "10.81.0.2/24", "dev", "eth0"]).status == 0)
        let config = try dir.write("udhcpd.conf", """
            start 10.81.0.200
            end 10.81.0.210
            interface eth0
            lease_file \(dir.file("udhcpd.leases"))
            option subnet 255.255.255.0
            option router 10.81.0.2
            """)
        #expect(FileManager.default.createFile(atPath: dir.file("udhcpd.leases"), contents: nil))
        let udhcpd = Process()
        udhcpd.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        udhcpd.arguments = ["netns", "exec", router, try toolPath("busybox"), "udhcpd", "-f", config]
        udhcpd.standardOutput = FileHandle.nullDevice
        udhcpd.standardError = FileHandle.nullDevice
        try udhcpd.run()
        defer { udhcpd.terminate() }

        let victim = try lab.addHost(mac: Self.victimMAC)
        let attacker = try lab.addHost(mac: Self.attackerMAC)
        #expect(try runTool("ip", ["-n", attacker, "addr", "add", "\(Self.attackerAddress)/24", "dev", "eth0"]).status == 0)
        let address = try lease(victim, dir)
        #expect(address.hasPrefix("10.81.0.2"), "udhcpd, not provisiond, leased \(address)")

        try attack(server, from: attacker)
        // A machine no DHCP request has spoken for yet: refused, saying how to give it evidence.
        let unseen = try request(from: attacker, "GET", "/cloud-init/\(Self.strangerMAC)/user-data")
        #expect(unseen.status == 403 && unseen.body.contains("no address is known for this machine yet"), "\(unseen)")
        try install(server, from: victim)
    }
}
