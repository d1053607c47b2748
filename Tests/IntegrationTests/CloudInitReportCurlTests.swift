import Foundation
import Inventory
import TestSupport
import Testing
import Wire

/// cloud-init's verdict as a machine reports it (DESIGN.md §12), against the real binary with the
/// shipped profiles: result.json through curl and through the shipped report script; errors,
/// malformed reports, wrong tokens, plain phone-home, failure reasons; and the install timeout.
@Suite(.timeLimit(.minutes(3))) struct CloudInitReportCurlTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let cleanResult = #"{"v1": {"datasource": "DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/x/][dsmode=net]", "errors": [], "recoverable_errors": {"DEPRECATED": ["x"]}}}"#
    /// cloud-init 22.4's result.json after apt-get install exit 100 and a failed runcmd.
    static let failedResult = #"""
        {"v1": {"datasource": "DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/x/][dsmode=net]", "errors": [
          "('package_update_upgrade_install', ProcessExecutionError(\"Unexpected error while running command.\\nCommand: ['apt-get', '--option=Dpkg::Options::=--force-confold', '--option=Dpkg::options::=--force-unsafe-io', '--assume-yes', '--quiet', 'install', 'qemu-guest-agent']\\nExit code: 100\\nReason: -\\nStdout: Reading package lists...\\n        Building dependency tree...\\nStderr: E: Unable to locate package qemu-guest-agent\"))",
          "('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))"]}}
        """#

    private func server(_ dir: TemporaryDirectory, _ extra: [String] = []) throws -> ServerProcess {
        try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--profiles-dir", Self.repository.path + "/profiles",
                                                                        "--cloud-init-dir", Self.repository.path + "/cloud-init"] + extra)
    }

    /// Registers `mac` with the local-disk profile and fetches its user-data as its cloud-init
    /// would (→ installing); returns its install token and the user-data.
    private func installing(_ server: ServerProcess, _ mac: String, _ hostname: String) throws -> (token: String, userData: String) {
        #expect(try server.ctl(["register", mac, "--hostname", hostname, "--profile", "local-disk"]).status == 0)
        let fetched = try runTool("curl", ["-fsS", "\(server.httpURL)/cloud-init/\(mac)/user-data"])
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(state(server, mac) == "installing")
        let inventory = try Inventory(path: server.dataDir + "/provision.db")
        return (try #require(try inventory.machine(try MACAddress(mac))).installToken, fetched.stdout)
    }

    /// POSTs `body` and returns the status code and the response body.
    private func post(_ server: ServerProcess, _ path: String, _ body: String, type: String? = "application/json") throws -> (String, String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST", "--data-binary", body]
        if let type { arguments += ["-H", "Content-Type: \(type)"] }
        let result = try runTool("curl", arguments + [server.httpURL + path])
        let answer = try #require(CurlStatusLine.split(result.stdout), "\(result.stdout) \(result.stderr)")
        return (String(answer.status), answer.body)
    }

    private func state(_ server: ServerProcess, _ mac: String) -> String? {
        (try? JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout))?["state"]?.stringValue
    }

    /// Polls until `mac` is in `wanted` or the deadline (a bound against hangs) passes; the last
    /// state seen.
    private func waitForState(_ server: ServerProcess, _ mac: String, _ wanted: String, seconds: Double = 60) -> String? {
        var current: String?
        _ = eventually(seconds: seconds, every: 0.05) {
            current = state(server, mac)
            return current == wanted
        }
        return current
    }

    private func events(_ server: ServerProcess, _ mac: String) throws -> [JSONValue] {
        try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
    }

    @Test func aCleanResultMakesTheMachineReady() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:60:01"
        let (token, _) = try installing(server, mac, "clean1")
        let (status, body) = try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", Self.cleanResult)
        #expect(status == "200", "\(body)")
        #expect(waitForState(server, mac, "ready") == "ready")
        let phoneHome = try #require(try events(server, mac).first { $0["event"] == .string("phone-home") })
        #expect(phoneHome["to"] == .string("installed"))
        #expect(phoneHome["detail"]?.stringValue?.hasPrefix("cloud-init finished without errors (1 warning); datasource: DataSourceNoCloudNet") == true)
        server.stop()
        #expect(server.log.contains("mac=\(mac)") && server.log.contains("report=cloud-init-applied"))
    }

    @Test func errorsFailTheMachineWithTheModulesReadableInEvents() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:60:02"
        let (token, _) = try installing(server, mac, "broken1")
        // Sent as a form would be (curl -d @result.json): the body is JSON all the same.
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", Self.failedResult, type: nil).0 == "200")
        #expect(state(server, mac) == "failed")
        let table = try server.ctl(["events", mac])
        #expect(table.status == 0)
        #expect(table.stdout.contains("cloud-init reported 2 errors: package_update_upgrade_install: apt-get --assume-yes --quiet install "
            + "qemu-guest-agent exited 100: E: Unable to locate package qemu-guest-agent; scripts_user: Runparts: 1 failures (runcmd) in 1 attempted commands"),
            "\(table.stdout)")
        #expect(try events(server, mac).last?["event"] == .string("install-failed"))
        // No hooks ran toward ready: it stays failed (checked once the hooks queue is idle).
        try server.waitUntilIdle()
        #expect(state(server, mac) == "failed")
    }

    @Test func malformedReportsAndWrongTokensChangeNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:60:03"
        let (token, _) = try installing(server, mac, "odd1")
        let (status, body) = try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", #"{"v1": {"errors": [3]}}"#)
        #expect(status == "400")
        #expect(body.contains("malformed phone-home report for \(mac): result.json: v1.errors[0] must be a string, not number"), "\(body)")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", #"{"v1": "#).0 == "400")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", #"{"status": "running", "errors": []}"#).0 == "400")
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(String(repeating: "0", count: 64))", Self.cleanResult).0 == "403")
        #expect(try post(server, "/cloud-init/\(mac)/failed", "message=x", type: nil).0 == "403")
        #expect(state(server, mac) == "installing")
        #expect(try events(server, mac).map { $0["event"]?.stringValue ?? "" }
                == ["register", "fetch-user-data", "phone-home-refused", "phone-home-refused", "phone-home-refused", "phone-home-refused", "failed-refused"])
        // The report that finally makes sense moves it on.
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", Self.cleanResult).0 == "200")
        #expect(waitForState(server, mac, "ready") == "ready")
    }

    @Test func plainPhoneHomeAndFailureReasonsAreStoredDecoded() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        // An installer that is not cloud-init (subiquity's late-command): a form, no verdict.
        let plain = "52:54:00:00:60:04"
        let (plainToken, _) = try installing(server, plain, "plain1")
        #expect(try post(server, "/cloud-init/\(plain)/phone-home?token=\(plainToken)", "hostname=plain1", type: nil).0 == "200")
        #expect(waitForState(server, plain, "ready") == "ready")
        #expect(try events(server, plain).first { $0["event"] == .string("phone-home") }?["detail"] == .string("hostname=plain1"))

        let failing = "52:54:00:00:60:05"
        let (failingToken, _) = try installing(server, failing, "fail1")
        let reason = "message=download+of+https%3A%2F%2Fget.k3s.io%3A+curl%3A+%286%29+Could+not+resolve+host%3A+get.k3s.io"
        #expect(try post(server, "/cloud-init/\(failing)/failed?token=\(failingToken)", reason, type: nil).0 == "200")
        #expect(state(server, failing) == "failed")
        let table = try server.ctl(["events", failing]).stdout
        #expect(table.contains("download of https://get.k3s.io: curl: (6) Could not resolve host: get.k3s.io"), "\(table)")
    }

    /// The report script the shipped user-data writes, run for real (python3, urllib) with a
    /// result.json, and with --failed as the k3s join uses it.
    @Test func theShippedReportScriptPostsTheVerdict() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let mac = "52:54:00:00:60:06"
        let (_, userData) = try installing(server, mac, "script1")
        let script = try reportScript(userData, dir)
        try Self.cleanResult.write(toFile: dir.path + "/result.json", atomically: true, encoding: .utf8)
        let run = try runTool("python3", [script, "--result", dir.path + "/result.json"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("provisiond-report: reported: 200"), "\(run.stdout)")
        #expect(waitForState(server, mac, "ready") == "ready")

        // Again: the first report spent the install token, so provisiond refuses, and the script
        // stops at once.
        let again = try runTool("python3", [script, "--result", dir.path + "/result.json"])
        #expect(again.status == 1 && again.stdout.contains("provisiond refused the report: 403"), "\(again.stdout)")

        let other = "52:54:00:00:60:07"
        let (_, otherUserData) = try installing(server, other, "script2")
        let otherScript = try reportScript(otherUserData, dir)
        let failed = try runTool("python3", [otherScript, "--failed", "curl is not installed on script2"])
        #expect(failed.status == 0, "\(failed.stdout)\(failed.stderr)")
        #expect(state(server, other) == "failed")
        #expect(try events(server, other).last?["detail"] == .string("curl is not installed on script2"))
    }

    /// What the real `cloud-init status --format json` (cloud-init 22.4, installed by scripts/test)
    /// prints for a finished run, read from a status.json and result.json as its stages leave them:
    /// in a private mount namespace with /run on tmpfs, so the host's /run is untouched.
    private func realStatusJSON(finalErrors: [String], _ dir: TemporaryDirectory) throws -> String {
        let datasource = "DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/x/][dsmode=net]"
        let errors = JSONValue.array(finalErrors.map(JSONValue.string))
        func stage(_ start: Int, _ errors: JSONValue) -> JSONValue {
            .object([("errors", errors), ("finished", .int(start + 1)), ("start", .int(start))])
        }
        let status = JSONValue.object([("v1", .object([
            ("datasource", .string(datasource)), ("init-local", stage(4, .array([]))), ("init", stage(9, .array([]))),
            ("modules-config", stage(19, .array([]))), ("modules-final", stage(21, errors)), ("stage", .null),
        ]))])
        let result = JSONValue.object([("v1", .object([("datasource", .string(datasource)), ("errors", errors)]))])
        try status.encoded().write(toFile: dir.path + "/status.json", atomically: true, encoding: .utf8)
        try result.encoded().write(toFile: dir.path + "/result.json", atomically: true, encoding: .utf8)
        let run = try runProgram(URL(fileURLWithPath: try toolPath("unshare")), ["--mount", "--propagation", "private", "sh", "-c", """
            set -e
            mount -t tmpfs none /run
            mkdir /run/cloud-init
            cp "$1" "$2" /run/cloud-init/
            cloud-init status --format json || true
            """, "sh", dir.path + "/status.json", dir.path + "/result.json"])
        #expect(run.stdout.contains("\"status\""), "\(run.stdout)\(run.stderr)")
        return run.stdout
    }

    @Test func theRealCloudInitStatusOutputIsUnderstood() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let clean = "52:54:00:00:60:09"
        let (cleanToken, _) = try installing(server, clean, "status1")
        #expect(try post(server, "/cloud-init/\(clean)/phone-home?token=\(cleanToken)", try realStatusJSON(finalErrors: [], dir)).0 == "200")
        #expect(waitForState(server, clean, "ready") == "ready")
        #expect(try events(server, clean).first { $0["event"] == .string("phone-home") }?["detail"]
                == .string("cloud-init finished without errors; datasource: DataSourceNoCloudNet [seed=dmi,http://10.77.0.1:8080/cloud-init/x/][dsmode=net]"))

        let broken = "52:54:00:00:60:10"
        let (brokenToken, _) = try installing(server, broken, "status2")
        let failures = ["('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))"]
        #expect(try post(server, "/cloud-init/\(broken)/phone-home?token=\(brokenToken)", try realStatusJSON(finalErrors: failures, dir)).0 == "200")
        #expect(state(server, broken) == "failed")
        #expect(try events(server, broken).last?["detail"]
                == .string("cloud-init reported 1 error: scripts_user: Runparts: 1 failures (runcmd) in 1 attempted commands; datasource: nocloudnet"))
    }

    /// The report script of `userData`'s write_files, read as cloud-init reads the YAML, in a file.
    private func reportScript(_ userData: String, _ dir: TemporaryDirectory) throws -> String {
        let input = dir.path + "/user-data-\(UUID().uuidString)"
        let script = input + ".report"
        try userData.write(toFile: input, atomically: true, encoding: .utf8)
        let extract = try runTool("python3", ["-c", """
            import sys, yaml
            files = {f["path"]: f["content"] for f in yaml.safe_load(open(sys.argv[1]))["write_files"]}
            open(sys.argv[2], "w").write(files["/usr/local/sbin/provisiond-report"])
            """, input, script])
        #expect(extract.status == 0, "\(extract.stderr)")
        return script
    }

    @Test func aMachineThatNeverReportsFailsByTimeoutWithWhatWasLastSeen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir, ["--install-timeout", "1.5"])
        let mac = "52:54:00:00:60:08"
        let (token, _) = try installing(server, mac, "silent1")
        #expect(waitForState(server, mac, "failed") == "failed")
        let timedOut = try #require(try events(server, mac).last)
        #expect(timedOut["event"] == .string("install-timed-out"))
        #expect(timedOut["source"] == .string("timeout"))
        let detail = timedOut["detail"]?.stringValue ?? ""
        #expect(detail.hasPrefix("no report within 1.5 s (installing since "), "\(detail)")
        #expect(detail.contains("; last seen: GET /cloud-init/\(mac)/user-data (200) from 127.0.0.1 at "), "\(detail)")
        // A verdict that comes after that is refused, and kept in the timeline.
        #expect(try post(server, "/cloud-init/\(mac)/phone-home?token=\(token)", Self.cleanResult).0 == "409")
        let late = try #require(try events(server, mac).last)
        #expect(late["event"] == .string("phone-home-refused") && late["to"] == .string("failed"))
        #expect(late["detail"]?.stringValue?.hasPrefix("cannot phone-home a machine that is failed (allowed from: installing): "
            + "cloud-init finished without errors") == true, "\(late)")
        server.stop()
        #expect(server.log.contains("event=install-timed-out") && server.log.contains("mac=\(mac)"))
    }
}
