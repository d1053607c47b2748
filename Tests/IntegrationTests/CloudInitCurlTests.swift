import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// The NoCloud routes as an installer sees them: meta-data, rendered user-data, phone-home with
/// the machine's token, and the lifecycle they drive.
@Suite(.timeLimit(.minutes(5))) struct CloudInitCurlTests {
    private func serverWithProfile(_ dir: TemporaryDirectory) throws -> ServerProcess {
        let profiles = dir.path + "/profiles"
        let templates = dir.path + "/cloud-init"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: templates, withIntermediateDirectories: true)
        try #"""
            {"kernel": "k/linux", "initrd": "k/initrd.gz", "cmdline": "console=ttyS0 {{ nocloud_seed }}",
             "userData": "test-user-data.yaml", "networkInterfaces": "test-interfaces", "variables": {"admin_user": "ops", "ssh_keys": ["ssh-ed25519 AAAA one", "ssh-ed25519 BBBB two"]}}
            """#.write(toFile: profiles + "/test.json", atomically: true, encoding: .utf8)
        try """
            #cloud-config
            hostname: {{ machine.hostname }}
            users:
              - name: {{ admin_user }}
                ssh_authorized_keys:
            {% for key in ssh_keys %}
                  - {{ key }}
            {% endfor %}
            phone_home:
              url: {{ phone_home_url }}
              post: [instance_id, hostname]
            """.write(toFile: templates + "/test-user-data.yaml", atomically: true, encoding: .utf8)
        try "auto eth0\niface eth0 inet dhcp\n    hostname {{ machine.hostname }}\n"
            .write(toFile: templates + "/test-interfaces", atomically: true, encoding: .utf8)
        return try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--profiles-dir", profiles, "--cloud-init-dir", templates])
    }

    private func get(_ server: ServerProcess, _ path: String) throws -> (String, String) {
        let result = try runTool("curl", ["-s", "-o", "-", "-w", "\n%{http_code}", server.httpURL + path])
        let answer = try #require(CurlStatusLine.split(result.stdout), "\(result.stdout) \(result.stderr)")
        return (String(answer.status), answer.body)
    }

    private func post(_ server: ServerProcess, _ path: String, body: String = "instance_id=i-1&hostname=web1") throws -> String {
        try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", body, server.httpURL + path]).stdout
    }

    @Test func installPathFromScriptToPhoneHome() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try serverWithProfile(dir)
        let mac = "52:54:00:00:30:01"
        #expect(try server.ctl(["register", mac, "--hostname", "web1", "--profile", "test"]).status == 0)

        // The install script carries the rendered command line with the NoCloud seed URL.
        let (_, script) = try get(server, "/boot.ipxe?mac=\(mac)")
        #expect(script.contains("console=ttyS0 ds=nocloud;s=\(server.httpURL)/cloud-init/\(mac)/;dsmode=net || goto failed"), "\(script)")

        // meta-data: instance-id and host name, any MAC form, with and without the slash.
        let (metaStatus, metaData) = try get(server, "/cloud-init/5254.0000.3001/meta-data")
        #expect(metaStatus == "200")
        #expect(metaData.hasPrefix("instance-id: i-") && metaData.contains("local-hostname: web1\n"))
        // The profile's ENI text, for cloud-init before 24.1 (which fetches no network-config).
        #expect(metaData.hasSuffix("local-hostname: web1\nnetwork-interfaces: \"auto eth0\\niface eth0 inet dhcp\\n    hostname web1\\n\"\n"),
                "\(metaData)")
        #expect(try get(server, "/cloud-init/\(mac)/meta-data/").0 == "200")

        // user-data, rendered: the first fetch moves the machine to installing.
        let (userStatus, userData) = try get(server, "/cloud-init/\(mac)/user-data")
        #expect(userStatus == "200")
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        let token = try #require(try inventory.machine(try MACAddress(mac))).installToken
        #expect(userData == """
            #cloud-config
            hostname: "web1"
            users:
              - name: "ops"
                ssh_authorized_keys:
                  - "ssh-ed25519 AAAA one"
                  - "ssh-ed25519 BBBB two"
            phone_home:
              url: "\(server.httpURL)/cloud-init/\(mac)/phone-home?token=\(token)"
              post: [instance_id, hostname]
            """)
        #expect(try get(server, "/cloud-init/\(mac)/vendor-data").0 == "200")
        #expect(try get(server, "/cloud-init/\(mac)/network-config").0 == "404")

        // Phone-home: no token and a wrong one are refused and recorded; the right one installs.
        #expect(try post(server, "/cloud-init/\(mac)/phone-home") == "403")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=0000") == "403")
        #expect(try post(server, "/cloud-init/52:54:00:00:30:99/phone-home?token=\(token)") == "404")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)") == "200")
        // With no hooks to run, the machine goes on from installed to ready at once (DESIGN.md §3).
        try server.waitUntilIdle()
        let events = try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
        #expect(events.map { $0["event"]?.stringValue ?? "" }
                == ["register", "boot-install", "fetch-user-data", "phone-home-refused", "phone-home-refused", "phone-home", "hooks-succeeded"])
        let phoneHome = try #require(events.first { $0["event"] == .string("phone-home") })
        #expect(phoneHome["to"] == .string("installed"))
        #expect(phoneHome["detail"] == .string("instance_id=i-1 hostname=web1"))
        #expect(events.last?["to"] == .string("ready"))

        // Installed: the next boot gets the local disk. Reimage: a new instance-id, the old token stops working.
        #expect(try get(server, "/boot.ipxe?mac=\(mac)").1.hasSuffix("exit 1\n"))
        #expect(try server.ctl(["reimage", mac]).status == 0)
        #expect(try get(server, "/cloud-init/\(mac)/meta-data").1 != metaData)
        _ = try get(server, "/cloud-init/\(mac)/user-data")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)") == "403")
        // A failure report with the new token marks the install failed.
        let newToken = try #require(try inventory.machine(try MACAddress(mac))).installToken
        #expect(try post(server, "/cloud-init/\(mac)/failed?token=\(newToken)", body: "message=disk+not+found") == "200")
        #expect(try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)["state"] == .string("failed"))
        server.stop()
    }

    @Test func provisionctlListsProfilesAndRendersWithoutSideEffects() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try serverWithProfile(dir)
        let mac = "52:54:00:00:30:02"
        #expect(try server.ctl(["register", mac, "--hostname", "web2", "--profile", "test"]).status == 0)
        let profiles = try server.ctl(["profiles"])
        #expect(profiles.stdout.split(separator: "\n").count == 2 && profiles.stdout.contains("test  "), "\(profiles.stdout)")

        let ipxe = try server.ctl(["render", mac, "ipxe", "--server-url", "http://10.77.0.1:8080"])
        #expect(ipxe.status == 0, "\(ipxe.stderr)")
        #expect(ipxe.stdout.contains("kernel http://10.77.0.1:8080/assets/k/linux initrd=initrd.gz console=ttyS0 ds=nocloud;s=http://10.77.0.1:8080/cloud-init/\(mac)/;dsmode=net"))
        let userData = try server.ctl(["render", mac, "user-data", "--server-url", "http://10.77.0.1:8080"])
        #expect(userData.stdout.hasPrefix("#cloud-config\nhostname: \"web2\"\n"))
        #expect(try server.ctl(["render", mac, "meta-data"]).stdout.contains("local-hostname: web2"))
        // Rendering is a preview: the machine is still registered, its timeline unchanged.
        #expect(try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)["state"] == .string("registered"))
        #expect((try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []).count == 1)

        let bad = try server.ctl(["render", mac, "kernel"])
        #expect(bad.status == 1 && bad.stderr.contains("cannot render \"kernel\""))
        #expect(try server.ctl(["render", mac, "network-config"]).stderr.contains("has no network-config"))
        server.stop()
    }

    @Test func brokenTemplatesStopTheServerWithTheFileAndLine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let profiles = dir.path + "/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.path + "/ci", withIntermediateDirectories: true)
        try #"{"kernel": "k", "userData": "bad.yaml"}"#.write(toFile: profiles + "/p.json", atomically: true, encoding: .utf8)
        try "#cloud-config\n{% if x %}\nhostname: a\n".write(toFile: dir.path + "/ci/bad.yaml", atomically: true, encoding: .utf8)
        let result = try runProgram(Binaries.provisiond, ["--data-dir", dir.path + "/d", "--profiles-dir", profiles, "--cloud-init-dir", dir.path + "/ci",
                                                          "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--tftp-listen", "off",
                                                          "--dhcp-mode", "off"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("bad.yaml line"), "\(result.stderr)")
    }
}
