import Testing

@testable import Boot

/// What machines post to phone-home and failed, decoded before anything is stored.
@Suite struct InstallReportTests {
    typealias S = CloudInitReportSamples

    private func decode(_ body: String, _ contentType: String? = nil, _ route: InstallReport.Route = .phoneHome) throws -> InstallReport {
        try InstallReport.decode(Array(body.utf8), contentType: contentType, route: route)
    }

    /// body, Content-Type, route → applied, detail
    static let table: [(String, String?, InstallReport.Route, Bool, String)] = [
        // Plain phone-home (subiquity late-commands, cloud-init's phone_home module): applied.
        ("", nil, .phoneHome, true, ""),
        ("instance_id=i-1&hostname=web1&pub_key_rsa=ssh-rsa+AAAA", "application/x-www-form-urlencoded", .phoneHome, true, "instance_id=i-1 hostname=web1"),
        ("hostname=web1\n", nil, .phoneHome, true, "hostname=web1"),
        ("installed by hand", "text/plain", .phoneHome, true, "installed by hand"),
        // cloud-init's verdict, with whatever Content-Type the sender used.
        (S.result22Clean, "application/json", .phoneHome, true, "cloud-init finished without errors; datasource: \(S.datasource)"),
        (S.result22Clean, "application/x-www-form-urlencoded", .phoneHome, true, "cloud-init finished without errors; datasource: \(S.datasource)"),
        ("  \(S.status25Done)", nil, .phoneHome, true, "cloud-init finished without errors (1 warning); datasource: \(S.datasource)"),
        // Failures: decoded, reason first.
        ("message=download+of+https%3A%2F%2Fget.k3s.io%3A+curl%3A+(6)+Could+not+resolve+host", nil, .failed, false,
         "download of https://get.k3s.io: curl: (6) Could not resolve host"),
        ("hostname=s1&message=disk+not+found", "application/x-www-form-urlencoded; charset=utf-8", .failed, false, "disk not found — hostname=s1"),
        (#"{"message": "curl is not installed on s1", "exit": 1}"#, "application/json", .failed, false, "curl is not installed on s1 — exit=1"),
        ("the disk\nis gone\n", "text/plain; charset=utf-8", .failed, false, "the disk is gone"),
        ("", nil, .failed, false, "no reason given"),
        ("step=partition", nil, .failed, false, "step=partition"),
        // A verdict posted to failed fails, whatever it says.
        (S.result22Clean, "application/json", .failed, false, "cloud-init finished without errors; datasource: \(S.datasource)"),
    ]

    @Test(arguments: table.indices)
    func decodesEachReport(_ index: Int) throws {
        let (body, type, route, applied, detail) = Self.table[index]
        let report = try decode(body, type, route)
        #expect(report.applied == applied)
        #expect(report.detail == detail)
    }

    @Test func aVerdictWithErrorsFailsWithTheModules() throws {
        let report = try decode(S.result22Failed, "application/json")
        #expect(!report.applied)
        #expect(report.verdict?.errors.compactMap(\.module) == ["package_update_upgrade_install", "scripts_user"])
        #expect(report.detail.hasPrefix("cloud-init reported 2 errors: package_update_upgrade_install: apt-get"))
        #expect(report.detail.contains("exited 100: E: Unable to locate package qemu-guest-agent"))
    }

    /// body, Content-Type, route → the error's text
    static let malformed: [(String, String?, InstallReport.Route, String)] = [
        (#"{"v1": {"errors": [}"#, "application/json", .phoneHome, "the report body is not valid JSON: invalid JSON at byte 19: unexpected character '}'"),
        ("<html>", "application/json", .phoneHome, "the report body is not valid JSON: invalid JSON at byte 0: unexpected character '<'"),
        (#"{"hostname": "web1"}"#, "application/json", .phoneHome,
         #"not a cloud-init report: expected /run/cloud-init/result.json ({"v1": …}) or `cloud-init status --format json` ({"status": …}), got an object with "hostname""#),
        ("message=100%+done", nil, .failed, #"form field 1 ("message") has a bad percent-escape or is not UTF-8"#),
        ("<xml/>", "application/xml", .failed,
         #"unsupported Content-Type "application/xml": post cloud-init's verdict as application/json, or form fields (application/x-www-form-urlencoded), or text/plain"#),
    ]

    @Test(arguments: malformed.indices)
    func refusesMalformedReportsPrecisely(_ index: Int) throws {
        let (body, type, route, message) = Self.malformed[index]
        let error = #expect(throws: InstallReportError.self) { try decode(body, type, route) }
        #expect(error?.description == message)
    }

    @Test func refusesBytesThatAreNotUTF8() {
        let error = #expect(throws: InstallReportError.self) {
            try InstallReport.decode([0x68, 0xFF, 0x3D], contentType: nil, route: .failed)
        }
        #expect(error?.description == "the report body is not UTF-8 text")
    }

    @Test func detailsAreOneBoundedLine() throws {
        let report = try decode("message=" + String(repeating: "a%0A", count: 3000), nil, .failed)
        #expect(report.detail.count == InstallReport.detailLimit && !report.detail.contains("\n"))
    }
}
