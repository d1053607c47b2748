import Testing
import Wire

@testable import Boot

/// cloud-init's verdict as machines report it (CloudInitReportSamples), decoded into what failed
/// and a readable event line.
@Suite struct CloudInitVerdictTests {
    typealias S = CloudInitReportSamples

    private func verdict(_ json: String) throws -> CloudInitVerdict {
        try CloudInitVerdict.decode(try JSONParser.parse(json))
    }

    static let aptMessage = "apt-get --assume-yes --quiet install qemu-guest-agent exited 100: E: Unable to locate package qemu-guest-agent"
    static let runcmdMessage = "Runparts: 1 failures (runcmd) in 1 attempted commands"

    /// sample, form, applied, errors as `module: message`, warnings
    static let table: [(String, CloudInitVerdict.Form, Bool, [String], Int)] = [
        (S.result22Clean, .resultJSON, true, [], 0),
        (S.result22Failed, .resultJSON, false, ["package_update_upgrade_install: \(aptMessage)", "scripts_user: \(runcmdMessage)"], 0),
        (S.status22Failed, .statusJSON, false, ["package_update_upgrade_install: \(aptMessage)", "scripts_user: \(runcmdMessage)"], 0),
        (S.result25Clean, .resultJSON, true, [], 1),
        (S.status25Done, .statusJSON, true, [], 1),
        (S.status25Failed, .statusJSON, false,
         ["package_update_upgrade_install: Failed to install the following packages: ['qemu-guest-agent']. See associated package manager logs for more details.",
          "scripts_user: \(runcmdMessage)"], 1),
    ]

    @Test(arguments: table.indices)
    func decodesEachSample(_ index: Int) throws {
        let (json, form, applied, errors, warnings) = Self.table[index]
        let decoded = try verdict(json)
        #expect(decoded.form == form)
        #expect(decoded.applied == applied)
        #expect(decoded.errors.map(\.description) == errors)
        #expect(decoded.warnings == warnings)
    }

    @Test func aFailedSummaryNamesTheModulesAndTheAptError() throws {
        let summary = try verdict(S.result22Failed).summary
        #expect(summary == "cloud-init reported 2 errors: package_update_upgrade_install: \(Self.aptMessage); scripts_user: \(Self.runcmdMessage); "
            + "datasource: \(S.datasource)")
    }

    @Test func aCleanSummarySaysSoWithWarningsAndDatasource() throws {
        #expect(try verdict(S.result22Clean).summary == "cloud-init finished without errors; datasource: \(S.datasource)")
        // status JSON: `detail` is the full datasource once done.
        #expect(try verdict(S.status25Done).summary == "cloud-init finished without errors (1 warning); datasource: \(S.datasource)")
        // With errors its detail is the errors: the short name stands instead.
        #expect(try verdict(S.status25Failed).summary.hasSuffix("(1 warning); datasource: nocloud"))
    }

    @Test func theSummaryIsOneBoundedLine() throws {
        let many = (1...40).map { _ in "\"\(S.aptError22)\"" }.joined(separator: ",")
        let summary = try verdict(#"{"v1": {"datasource": null, "errors": [\#(many)]}}"#).summary
        #expect(summary.count == CloudInitVerdict.summaryLimit)
        #expect(summary.hasSuffix("…") && !summary.contains("\n"))
    }

    @Test func extendedStatusWordsReadAsTheirStatus() throws {
        #expect(try verdict(#"{"status": "degraded done", "errors": []}"#).applied)
        #expect(try verdict(#"{"status": "error - done", "errors": []}"#).status == "error")
        let error = #expect(throws: InstallReportError.self) { try verdict(#"{"status": "degraded running", "errors": []}"#) }
        #expect(error?.description.contains("has not finished (status \"degraded running\")") == true)
    }

    @Test func statusErrorWithoutErrorsStillFails() throws {
        let decoded = try verdict(#"{"status": "error", "errors": []}"#)
        #expect(!decoded.applied)
        #expect(decoded.summary == "cloud-init status: error, with no errors listed")
    }

    /// body → the error's text
    static let malformed: [(String, String)] = [
        (#"[]"#, "a cloud-init report must be a JSON object, not array"),
        (#"{"v2": {}}"#, #"not a cloud-init report: expected /run/cloud-init/result.json ({"v1": …}) or `cloud-init status --format json` ({"status": …}), got an object with "v2""#),
        (#"{"v1": []}"#, "result.json: v1 must be an object, not array"),
        (#"{"v1": {"datasource": "x", "stage": null, "init": {"errors": []}}}"#,
         #"result.json: v1 has no "errors" list (post /run/cloud-init/result.json, not status.json)"#),
        (#"{"v1": {"errors": "none"}}"#, "result.json: v1.errors must be a list of strings, not string"),
        (#"{"v1": {"errors": ["a", 3]}}"#, "result.json: v1.errors[1] must be a string, not number"),
        (#"{"v1": {"errors": [], "datasource": 5}}"#, "result.json: v1.datasource must be a string or null, not number"),
        (#"{"v1": {"errors": [], "recoverable_errors": {"WARNING": "x"}}}"#, "result.json: v1.recoverable_errors.WARNING must be a list, not string"),
        (#"{"status": 1}"#, #"status JSON: "status" must be a string, not number"#),
        (S.status25Running, #"status JSON: cloud-init has not finished (status "running"): report after cloud-final.service"#),
        (#"{"status": "not run", "errors": []}"#, #"status JSON: cloud-init has not finished (status "not run"): report after cloud-final.service"#),
        (#"{"status": "disabled", "errors": []}"#, "status JSON: cloud-init is disabled on this machine, so it has no verdict"),
        (#"{"status": "sideways", "errors": []}"#, #"status JSON: unknown status "sideways" (expected done or error)"#),
        (#"{"status": "done"}"#, #"status JSON: no "errors" list"#),
    ]

    @Test(arguments: malformed.indices)
    func refusesWhatIsNotAVerdictPrecisely(_ index: Int) throws {
        let (json, message) = Self.malformed[index]
        let error = #expect(throws: InstallReportError.self) { try verdict(json) }
        #expect(error?.description == message)
    }
}

/// cloud-init's error entries, read into module and message.
@Suite struct CloudInitModuleErrorTests {
    /// entry as stored (after JSON decoding) → module, message
    static let table: [(String, String?, String)] = [
        ("('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted commands'))", "scripts_user",
         "Runparts: 1 failures (runcmd) in 1 attempted commands"),
        // A command that could not start: no exit code, the reason says why.
        ("('scripts_user', ProcessExecutionError(\"Unexpected error while running command.\\nCommand: ['/var/lib/cloud/instance/scripts/runcmd']\\nExit code: -\\nReason: [Errno 8] Exec format error\\nStdout: -\\nStderr: -\"))",
         "scripts_user", "/var/lib/cloud/instance/scripts/runcmd failed: [Errno 8] Exec format error"),
        // No E: lines: the last two lines of stderr.
        ("('apt_configure', ProcessExecutionError(\"Unexpected error while running command.\\nCommand: ['gpg', '--recv-keys', 'ABCD']\\nExit code: 2\\nReason: -\\nStdout: -\\nStderr: gpg: keyserver receive failed: No name\\n        gpg: done\"))",
         "apt_configure", "gpg --recv-keys ABCD exited 2: gpg: keyserver receive failed: No name; gpg: done"),
        // Escapes in the message: \\x, \\u, quotes, a tab.
        (#"('write_files', OSError(22, 'Invalid argument: \'/etc/x\\ty\' \u00e9'))"#, "write_files", #"22, 'Invalid argument: \'/etc/x\\ty\' \u00e9'"#),
        (#"('write_files', PermissionError('denied \'/etc/x\'\ttab \u00e9 \x41'))"#, "write_files", "denied '/etc/x' tab é A"),
        // An exception with no arguments: its class.
        ("('ntp', KeyboardInterrupt())", "ntp", "KeyboardInterrupt"),
        // A stage that crashed is a plain message.
        ("Unexpected error: no datasource found", nil, "Unexpected error: no datasource found"),
        ("('not closed', X('y'", nil, "('not closed', X('y'"),
    ]

    @Test(arguments: table.indices)
    func readsEachForm(_ index: Int) {
        let (text, module, message) = Self.table[index]
        let error = CloudInitModuleError(reported: text)
        #expect(error.module == module)
        #expect(error.message == message)
    }

    @Test func aLongMessageIsCut() {
        let error = CloudInitModuleError(reported: "('runcmd', RuntimeError('\(String(repeating: "x", count: 2000))'))")
        #expect(error.message.count == CloudInitModuleError.messageLimit && error.message.hasSuffix("…"))
    }
}
