import Boot
import Foundation
import Inventory
import Testing
import Wire

@testable import Server

/// The profiles and templates the repository ships: they load, render for a machine, and every
/// rendered user-data passes cloud-init's own validator (`cloud-init schema`, installed by
/// scripts/test).
@Suite struct ShippedProfilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func catalog() throws -> ProfileCatalog {
        try ProfileCatalog.load(directories: [repository.appendingPathComponent("profiles").path],
                                cloudInitDirectories: [repository.appendingPathComponent("cloud-init").path], requireDirectories: true)
    }

    static let machine = Machine(
        mac: try! MACAddress("52:54:00:12:34:56"), hostname: "node1", profile: nil, role: "server", cluster: nil,
        ip: try! IPv4Address("10.77.0.11"), state: .booting, instanceID: "i-0123456789abcdef", installToken: String(repeating: "ab", count: 32),
        labels: ["rack": "r1"], nics: [], createdAt: "", updatedAt: "")

    @Test func theShippedProfilesLoad() throws {
        let names = try Self.catalog().profiles.keys.sorted()
        #expect(names == ["commission", "debian-12", "debian-12-image", "k3s-agent", "k3s-agent-image", "k3s-server", "k3s-server-image",
                          "local-disk", "ubuntu-24.04"])
    }

    /// Each shipped profile as shipped, and with its lists filled in as an operator would.
    static func variants(_ name: String) throws -> [CompiledProfile] {
        let shipped = try #require(try catalog().profile(name))
        var variables = shipped.profile.variables
        variables["ssh_keys"] = .list(["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@lab"])
        if variables["packages"] != nil { variables["packages"] = .list(["htop", "jq"]) }
        let p = shipped.profile
        let filled = Profile(name: p.name, description: p.description, kernel: p.kernel, initrds: p.initrds, cmdline: p.cmdline, userData: p.userData,
                             vendorData: p.vendorData, networkConfig: p.networkConfig, variables: variables)
        var sources: [String: String] = [:]
        for file in [p.userData, p.vendorData, p.networkConfig].compactMap({ $0 }) {
            sources[file] = try String(contentsOf: repository.appendingPathComponent("cloud-init/\(file)"), encoding: .utf8)
        }
        return [shipped, try CompiledProfile(filled, sources: sources)]
    }

    @Test(arguments: ["debian-12", "debian-12-image", "local-disk", "ubuntu-24.04"])
    func renderedUserDataPassesCloudInitSchema(profile name: String) throws {
        for profile in try Self.variants(name) { try validateUserData(profile, name) }
    }

    /// The k3s profiles for each kind of member: the first server, a later server, an agent.
    @Test(arguments: [("k3s-server", "52:54:00:12:34:56", "server"), ("k3s-server", "52:54:00:12:34:57", "server"),
                      ("k3s-agent", "52:54:00:12:34:58", "agent"), ("k3s-server-image", "52:54:00:12:34:56", "server"),
                      ("k3s-agent-image", "52:54:00:12:34:58", "agent")])
    func k3sUserDataPassesCloudInitSchema(profile name: String, mac: String, role: String) throws {
        let cluster = Cluster(name: "lab", kind: .k3s, version: "v1.31.4+k3s1", tlsSANs: ["k3s.lab"], token: "t0ken",
                              firstServer: try MACAddress("52:54:00:12:34:56"), createdAt: "")
        var machine = Self.machine
        machine.mac = try MACAddress(mac)
        machine.role = role
        machine.cluster = "lab"
        for profile in try Self.variants(name) {
            let userData = try validateUserData(profile, name, machine: machine, cluster: cluster)
            // The environment file's words survive the shell exactly (the sh filter's quoting).
            let environment = try #require(Self.blockScalar(in: userData, after: "path: /etc/provisiond/k3s.env"))
            let sourced = try shell(". /dev/stdin; printf '%s|%s|%s' \"$CONFIG_URL\" \"$INSTALL_K3S_EXEC\" \"$INSTALL_K3S_VERSION\"", input: environment)
            #expect(sourced.output == "http://10.77.0.1:8080/cloud-init/\(mac)/k3s-config?token=\(machine.installToken)|\(role)|v1.31.4+k3s1")
            let script = try #require(Self.blockScalar(in: userData, after: "path: /usr/local/sbin/provisiond-k3s-join"))
            #expect(script.hasPrefix("#!/bin/sh\n"))
            #expect(try shell("sh -n /dev/stdin", input: script).status == 0, "the join script does not parse")
        }
    }

    /// The lines of the `content: |` block that follows `marker`, unindented.
    static func blockScalar(in yaml: String, after marker: String) -> String? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.contains(marker) }),
              let content = lines[start...].firstIndex(where: { $0.hasSuffix("content: |") }) else { return nil }
        let indent = lines[content].prefix { $0 == " " }.count + 2
        let body = lines[(content + 1)...].prefix { $0.isEmpty || $0.prefix(indent).allSatisfy { $0 == " " } && $0.count > indent }
        return body.map { String($0.dropFirst(indent)) }.joined(separator: "\n") + "\n"
    }

    private func shell(_ command: String, input: String) throws -> (status: Int32, output: String) {
        try runProgram("/bin/sh", ["-c", command], input: input)
    }

    private func validateUserData(_ profile: CompiledProfile, _ name: String) throws {
        try validateUserData(profile, name, machine: Self.machine, cluster: nil)
    }

    @discardableResult
    private func validateUserData(_ profile: CompiledProfile, _ name: String, machine: Machine, cluster: Cluster?) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let userData = try #require(try profile.render(.userData, machine: machine, cluster: cluster, serverURL: "http://10.77.0.1:8080"))
        #expect(userData.hasPrefix("#cloud-config\n"))
        #expect(userData.contains("http://10.77.0.1:8080/cloud-init/\(machine.mac)/phone-home?token=\(machine.installToken)"))
        let file = dir.appendingPathComponent("user-data")
        try userData.write(to: file, atomically: true, encoding: .utf8)
        let result = try validate(file.path)
        #expect(result.status == 0, "\(name): \(result.output)\n\(userData)")
        #expect(result.output.contains("Valid cloud-config"), "\(result.output)")
        return userData
    }

    /// The cloud-config profiles that report cloud-init's verdict (all but ubuntu-24.04, whose
    /// installer phones home from a late-command): a valid Python report script, its unit after
    /// cloud-final, queued from runcmd; /etc/hosts managed; no `packages` key without packages.
    @Test(arguments: [("debian-12", "52:54:00:12:34:56", "server"), ("local-disk", "52:54:00:12:34:56", "server"),
                      ("k3s-server", "52:54:00:12:34:56", "server"), ("k3s-agent", "52:54:00:12:34:58", "agent"),
                      ("k3s-server-image", "52:54:00:12:34:56", "server"), ("k3s-agent-image", "52:54:00:12:34:58", "agent")])
    func userDataReportsCloudInitsVerdict(profile name: String, mac: String, role: String) throws {
        let cluster = Cluster(name: "lab", kind: .k3s, version: "v1.31.4+k3s1", tlsSANs: [], token: "t0ken",
                              firstServer: try MACAddress("52:54:00:12:34:56"), createdAt: "")
        var machine = Self.machine
        machine.mac = try MACAddress(mac)
        machine.role = role
        machine.cluster = name.hasPrefix("k3s") ? "lab" : nil
        for (index, profile) in try Self.variants(name).enumerated() {
            let userData = try #require(try profile.render(.userData, machine: machine, cluster: machine.cluster == nil ? nil : cluster,
                                                           serverURL: "http://10.77.0.1:8080"))
            // Python reads the YAML as cloud-init does, compiles the script, and prints what the checks need.
            let check = try runProgram("/usr/bin/python3", ["-c", Self.reportCheck], input: userData, mergingErrors: true)
            #expect(check.status == 0, "\(name): \(check.output)")
            let facts = check.output.split(separator: "\n").map(String.init)
            #expect(facts.contains("manage_etc_hosts=True"), "\(name): \(facts)")
            #expect(facts.contains("script=/usr/local/sbin/provisiond-report 0755 compiles"), "\(name): \(facts)")
            #expect(facts.contains("phone_home_url=http://10.77.0.1:8080/cloud-init/\(mac)/phone-home?token=\(machine.installToken)"))
            #expect(facts.contains("unit=/etc/systemd/system/provisiond-report.service After=cloud-final.service"), "\(name): \(facts)")
            #expect(facts.contains("runcmd=systemctl daemon-reload|systemctl start --no-block provisiond-report.service"
                + (name.hasPrefix("k3s") ? "|/usr/local/sbin/provisiond-k3s-join" : "")), "\(name): \(facts)")
            #expect(facts.contains("phone_home=absent"), "cloud-init's phone_home module fires even after errors: \(name)")
            // As shipped, debian-12, local-disk and the k3s image profiles install no packages (they
            // work offline); filled in, they do.
            let shippedWithout = index == 0 && (!name.hasPrefix("k3s") || name.hasSuffix("-image"))
            #expect(facts.contains(shippedWithout ? "packages=absent" : "packages=present"), "\(name) #\(index): \(facts)")
        }
    }

    static let reportCheck = #"""
        import sys, yaml
        config = yaml.safe_load(sys.stdin)
        print("manage_etc_hosts=%s" % config.get("manage_etc_hosts"))
        print("packages=%s" % ("present" if "packages" in config else "absent"))
        print("phone_home=%s" % ("present" if "phone_home" in config else "absent"))
        files = {entry["path"]: entry for entry in config["write_files"]}
        script = files["/usr/local/sbin/provisiond-report"]
        compile(script["content"], "provisiond-report", "exec")
        print("script=/usr/local/sbin/provisiond-report %s compiles" % script["permissions"])
        for line in script["content"].splitlines():
            if line.startswith("PHONE_HOME_URL = "):
                print("phone_home_url=" + eval(line.split(" = ", 1)[1]))
        unit = files["/etc/systemd/system/provisiond-report.service"]["content"]
        after = [line for line in unit.splitlines() if line.startswith("After=")]
        print("unit=/etc/systemd/system/provisiond-report.service " + " ".join(after))
        print("runcmd=" + "|".join(" ".join(command) for command in config["runcmd"]))
        """#

    @Test func ubuntuCommandLineCarriesTheSeedAndTheISO() throws {
        let profile = try #require(try Self.catalog().profile("ubuntu-24.04"))
        let cmdline = try profile.renderCmdline(machine: Self.machine, serverURL: "http://10.77.0.1:8080")
        #expect(cmdline.contains("ds=nocloud;s=http://10.77.0.1:8080/cloud-init/52:54:00:12:34:56/"))
        #expect(cmdline.contains("url=http://10.77.0.1:8080/assets/ubuntu-24.04/ubuntu-24.04-live-server-amd64.iso"))
        #expect(cmdline.contains(" autoinstall "))
        #expect(!cmdline.contains("\""), "no quotes: the kernel command line has no portable quoting")
    }

    @Test func aBrokenCloudConfigIsCaughtByTheValidator() throws {
        // The validator itself must be able to fail, or the test above proves nothing.
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).yaml")
        try "#cloud-config\nusers: 5\nphone_home: {url: 3}\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try validate(file.path).status != 0)
    }

    private func validate(_ path: String) throws -> (status: Int32, output: String) {
        try runProgram("/usr/bin/cloud-init", ["schema", "--config-file", path], mergingErrors: true)
    }
}
