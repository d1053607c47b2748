import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// A k3s server and agent join their cluster through provisiond with the shipped profiles'
/// user-data and join script, run for real (Support/k3s_member.sh: write_files and runcmd as
/// cloud-init applies them, in a private mount namespace). Only k3s itself is a test double
/// (the air-gapped `k3s` binary and `install.sh` served from provisiond's assets, and the
/// agent's `systemctl`): it cannot run here. The agent starts first and must wait for the server.
/// What systemd does after cloud-final (provisiond's report unit) the member script does too.
@Suite(.timeLimit(.minutes(3))) struct K3sJoinTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let member = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/k3s_member.sh").path

    /// What the k3s installer's double records: the config and drop-ins it found, its environment.
    static let installDouble = """
        #!/bin/sh
        set -e
        cp /etc/rancher/k3s/config.yaml "$RESULT_DIR/config.yaml"
        ls /etc/rancher/k3s/config.yaml.d > "$RESULT_DIR/drop-ins" 2>/dev/null || true
        env | grep '^INSTALL_K3S_' | sort > "$RESULT_DIR/install-env"
        test -x /usr/local/bin/k3s
        """

    /// The systemctl double: the k3s-agent check, and what runcmd asks of systemd (recorded).
    static let systemctlDouble = """
        #!/bin/sh
        case "$*" in
          "is-active --quiet k3s-agent") exit 0 ;;
          "daemon-reload"|"start --no-block provisiond-report.service") echo "$*" >> "$RESULT_DIR/systemctl" ;;
          *) exit 1 ;;
        esac
        """

    /// A member's work directory: the systemctl double, and its user-data fetched as its
    /// cloud-init fetches it (which moves it to installing).
    static func prepareMember(_ path: String, server: ServerProcess, mac: String) throws {
        for sub in ["stubs", "results"] { try FileManager.default.createDirectory(atPath: "\(path)/\(sub)", withIntermediateDirectories: true) }
        try systemctlDouble.write(toFile: path + "/stubs/systemctl", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path + "/stubs/systemctl")
        let fetched = try runTool("curl", ["-fsS", "-o", path + "/user-data", "\(server.httpURL)/cloud-init/\(mac)/user-data"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
    }

    /// The shipped profiles, air-gapped (k3s from provisiond's assets) with short waits; the
    /// image-deploy ones (`k3s-ROLE-image`) ship air-gapped.
    static func airGappedProfiles(_ dir: TemporaryDirectory) throws -> String {
        let profiles = dir.path + "/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        for name in ["k3s-server", "k3s-agent", "k3s-server-image", "k3s-agent-image"] {
            let shipped = try String(contentsOfFile: Self.repository.path + "/profiles/\(name).json", encoding: .utf8)
            let airGapped = shipped.replacingOccurrences(of: #""k3s_install": "internet""#, with: #""k3s_install": "assets""#)
                .replacingOccurrences(of: #""k3s_join_timeout": "3600""#, with: #""k3s_join_timeout": "120""#)
                .replacingOccurrences(of: #""k3s_join_poll": "15""#, with: #""k3s_join_poll": "1""#)
            #expect(airGapped.contains(#""assets""#) && airGapped.contains(#""120""#) && airGapped.contains(#""k3s_join_poll": "1""#),
                    "the shipped \(name) profile changed shape")
            try airGapped.write(toFile: "\(profiles)/\(name).json", atomically: true, encoding: .utf8)
        }
        return profiles
    }

    /// A join that cannot download says why at once and reports the failure through Python:
    /// an image without curl, or (curl installed) k3s missing from provisiond's assets. cloud-init's
    /// verdict (runcmd failed) follows and is refused, the machine being failed already.
    @Test(arguments: [false, true])
    func aJoinThatCannotDownloadFailsAtOnceAndSaysWhy(curlInstalled: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let profiles = try Self.airGappedProfiles(dir)
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: [
            "--profiles-dir", profiles, "--cloud-init-dir", Self.repository.path + "/cloud-init",
        ])
        #expect(try server.ctl(["cluster", "create", "lab", "--kind", "k3s", "--version", "v1.31.4+k3s1"]).status == 0)
        let mac = "52:54:00:00:50:03"
        #expect(try server.ctl(["register", mac, "--hostname", "s9", "--profile", "k3s-server", "--cluster", "lab", "--role", "server"]).status == 0)
        let path = dir.path + "/s9"
        try Self.prepareMember(path, server: server, mac: mac)
        if !curlInstalled { try "".write(toFile: path + "/hide-curl", atomically: true, encoding: .utf8) }
        let started = Date()
        let run = try runProgram(URL(fileURLWithPath: try toolPath("unshare")), ["--mount", "--propagation", "private", Self.member, path])
        #expect(Date().timeIntervalSince(started) < 30, "the join did not fail at once")
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let reason = curlInstalled
            ? "download of \(server.httpURL)/assets/k3s/k3s: curl: (22) The requested URL returned error: 404"
            : "curl is not installed on "
        #expect(run.stdout.contains("provisiond-k3s: failed: \(reason)"), "\(run.stdout)")
        #expect(run.stdout.contains("provisiond-report: reported: 200"), "the failure went through Python: \(run.stdout)")
        // The failure report spent the install token: the phone-home after it is refused.
        #expect(run.stdout.contains("provisiond-report: provisiond refused the report: 403"), "\(run.stdout)")
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        #expect(try inventory.machine(try MACAddress(mac))?.state == .failed)
        let failed = try #require(try inventory.events(try MACAddress(mac)).last { $0.event == "install-failed" })
        #expect(failed.detail.hasPrefix(reason), "\(failed.detail)")
        if !curlInstalled { #expect(failed.detail.hasSuffix("(did the packages step fail?): the k3s join downloads with it"), "\(failed.detail)") }
    }

    /// `imageDeploy`: with the `k3s-ROLE-image` profiles, each member is first a bare machine
    /// whose deploy environment writes the imported image (the conversation spoken with curl,
    /// DeployLab), so the join runs on the written system; otherwise the cloud-image profiles.
    @Test(arguments: [false, true])
    func theAgentWaitsForTheFirstServerThenBothJoinAndPhoneHome(imageDeploy: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let profiles = try Self.airGappedProfiles(dir)
        let assets = dir.path + "/data/assets/k3s"
        try FileManager.default.createDirectory(atPath: assets, withIntermediateDirectories: true)
        try Self.installDouble.write(toFile: assets + "/install.sh", atomically: true, encoding: .utf8)
        try "#!/bin/sh\n[ \"$1 $2 $3\" = \"kubectl get node\" ]\n".write(toFile: assets + "/k3s", atomically: true, encoding: .utf8)

        let lab = try DeployLab(dir, profiles: profiles)
        let server = lab.server
        if imageDeploy {
            let image = dir.path + "/image.raw"
            #expect(try runTool("python3", ["-c", "import os,sys; open(sys.argv[1], 'wb').write(os.urandom(2 << 20))", image]).status == 0)
            _ = try lab.importImage(image)
        }
        #expect(try server.ctl(["cluster", "create", "lab", "--kind", "k3s", "--version", "v1.31.4+k3s1"]).status == 0)
        let members = [("52:54:00:00:50:01", "s1", "server", "10.99.0.11"), ("52:54:00:00:50:02", "a1", "agent", "10.99.0.21")]
        for (mac, hostname, role, ip) in members {
            let registered = try server.ctl(["register", mac, "--hostname", hostname, "--profile", "k3s-\(role)" + (imageDeploy ? "-image" : ""),
                                             "--cluster", "lab", "--role", role, "--ip", ip])
            #expect(registered.status == 0, "\(registered.stderr)")
            if imageDeploy { try lab.deploy(mac) }
        }

        // Each member's user-data, as its cloud-init fetches it (this moves a cloud image's member
        // to installing; a deployed one is installing since its deploy).
        var work: [String: String] = [:]
        for (mac, hostname, _, _) in members {
            let path = dir.path + "/" + hostname
            try Self.prepareMember(path, server: server, mac: mac)
            work[hostname] = path
        }

        // The agent boots first; the server once provisiond has told the agent to wait (however
        // long the agent took to ask).
        let results = RunResults()
        let group = DispatchGroup()
        for hostname in ["a1", "s1"] {
            let path = try #require(work[hostname])
            DispatchQueue.global().async(group: group) {
                let result = Result { try runProgram(URL(fileURLWithPath: try toolPath("unshare")), ["--mount", "--propagation", "private", Self.member, path]) }
                results.set(hostname, result)
            }
            if hostname == "a1" { try poll("the agent to be told to wait: \(server.log)") { server.log.contains("k3s-join-waiting") } }
        }
        #expect(group.wait(timeout: .now() + 150) == .success, "a member's join script did not finish")

        let serverRun = try #require(results.get("s1")).get()
        let agentRun = try #require(results.get("a1")).get()
        #expect(serverRun.status == 0, "server: \(serverRun.stdout)\(serverRun.stderr)")
        #expect(agentRun.status == 0, "agent: \(agentRun.stdout)\(agentRun.stderr)")
        #expect(agentRun.stdout.contains("waiting for the cluster's first server (HTTP 503)"), "\(agentRun.stdout)")
        #expect(!serverRun.stdout.contains("waiting"), "\(serverRun.stdout)")

        let token = try #require(try server.ctl(["cluster", "show", "lab", "--json"]).stdout.split(separator: "\"token\": \"").last?.prefix(64))
        let serverConfig = try String(contentsOfFile: work["s1"]! + "/results/config.yaml", encoding: .utf8)
        #expect(serverConfig.contains("cluster-init: true") && serverConfig.contains("token: \"\(token)\""), "\(serverConfig)")
        let agentConfig = try String(contentsOfFile: work["a1"]! + "/results/config.yaml", encoding: .utf8)
        #expect(agentConfig.contains("server: \"https://10.99.0.11:6443\"") && !agentConfig.contains("cluster-init"), "\(agentConfig)")
        #expect(try String(contentsOfFile: work["s1"]! + "/results/install-env", encoding: .utf8)
            == "INSTALL_K3S_EXEC=server\nINSTALL_K3S_SKIP_DOWNLOAD=true\nINSTALL_K3S_VERSION=v1.31.4+k3s1\n")
        #expect(try String(contentsOfFile: work["a1"]! + "/results/install-env", encoding: .utf8).hasPrefix("INSTALL_K3S_EXEC=agent\n"))
        #expect(try String(contentsOfFile: work["s1"]! + "/results/drop-ins", encoding: .utf8) == "50-profile.yaml\n")
        // runcmd queued the report unit; it reported cloud-init's clean verdict after the join.
        for hostname in ["s1", "a1"] {
            #expect(try String(contentsOfFile: work[hostname]! + "/results/systemctl", encoding: .utf8)
                    == "daemon-reload\nstart --no-block provisiond-report.service\n")
        }
        #expect(serverRun.stdout.contains("provisiond-report: reported: 200"), "\(serverRun.stdout)")

        // Both phoned home; the agent got its config only after the server was installed.
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        let serverEvents = try inventory.events(try MACAddress("52:54:00:00:50:01"))
        let agentEvents = try inventory.events(try MACAddress("52:54:00:00:50:02"))
        // The verdict made them installed; with no hooks to run they go on to ready.
        try server.waitUntilIdle()
        for mac in ["52:54:00:00:50:01", "52:54:00:00:50:02"] {
            #expect(try inventory.machine(try MACAddress(mac))?.state == .ready, "\(mac)")
        }
        let serverInstalled = try #require(serverEvents.first { $0.event == "phone-home" }).id
        let agentConfigServed = try #require(agentEvents.first { $0.event == "k3s-config" }).id
        #expect(agentConfigServed > serverInstalled)
        #expect(server.log.contains("k3s-join-waiting"))
        // Nothing leaked out of the members' namespaces.
        #expect(!FileManager.default.fileExists(atPath: "/etc/provisiond"))
    }
}

private final class RunResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [String: Result<ProcessResult, any Error>] = [:]
    func set(_ name: String, _ result: Result<ProcessResult, any Error>) { lock.withLock { results[name] = result } }
    func get(_ name: String) -> Result<ProcessResult, any Error>? { lock.withLock { results[name] } }
}
