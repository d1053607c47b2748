import Doctor
import Foundation
import Wire

/// `provisionctl doctor`: the server's checks (`GET /api/v1/doctor`), the clock compared with
/// this host's, one line per check; exit status 1 when any check fails.
enum DoctorCommand {
    static let command = Command(
        name: "doctor", positionals: [], valued: ["--dhcp-wait"], switches: [],
        summary: "Check what a network boot needs: ports, other DHCP servers on the segment, iPXE binaries, every profile's assets, the server URL, the database, disk, admin token and clock.",
        optionHelp: "  --dhcp-wait S      seconds to collect other DHCP servers' offers (default 3, up to 30; 0: no probe)\n"
    ) { context throws(CLIError) in
        let wait = context.arguments.value("--dhcp-wait") ?? "3"
        guard let seconds = Double(wait), (0...30).contains(seconds) else { throw CLIError("--dhcp-wait \(wait) must be seconds from 0 to 30", usage: true) }
        // The moment the server answered lies between sending and receiving: compare its clock
        // with the middle.
        let sent = Date().timeIntervalSince1970
        let answer = try context.client.call("GET", "/api/v1/doctor?dhcpWait=\(wait)")
        let clientNow = (sent + Date().timeIntervalSince1970) / 2
        guard let items = answer?["checks"]?.arrayValue else { throw CLIError("the server's doctor answer has no checks") }
        let checks = items.map { item in
            guard item["name"]?.stringValue == "clock", let serverNow = answer?["now"].flatMap({ Double(numberText: $0) }) else { return item }
            return DoctorVerdicts.clock(serverNow: serverNow, clientNow: clientNow).json
        }
        let text = context.json ? JSONValue.object([("checks", .array(checks))]).encoded() + "\n" : Self.lines(checks)
        let failed = checks.filter { $0["status"]?.stringValue == "fail" }.compactMap { $0["name"]?.stringValue }
        guard failed.isEmpty else { throw CLIError("\(failed.count) check(s) failed: \(failed.joined(separator: ", "))", stdout: text) }
        return text
    }

    /// `STATUS  NAME  what was seen — fix: what to do`, the names aligned.
    static func lines(_ checks: [JSONValue]) -> String {
        let width = checks.compactMap { $0["name"]?.stringValue?.count }.max() ?? 0
        return checks.map { check in
            let name = check["name"]?.stringValue ?? "?"
            let status = check["status"]?.stringValue ?? "?"
            var line = status.padding(toLength: 5, withPad: " ", startingAt: 0) + " " + name.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  " + (check["message"]?.stringValue ?? "")
            if let fix = check["fix"]?.stringValue { line += " — fix: " + fix }
            return line + "\n"
        }.joined()
    }
}

extension Double {
    /// A JSON number's value.
    init?(numberText value: JSONValue) {
        guard case .number(let text) = value else { return nil }
        self.init(text)
    }
}
