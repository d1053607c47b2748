import Foundation

/// The argument lists provisiond gives `ipmitool` (Debian's ipmitool 1.8.19) and the reading of
/// what it prints. The password is always a file (`-f`): `-P` would put it in the process list
/// and `-E` in the environment of every child.
public struct IPMIToolCommand: Equatable, Sendable {
    public let host: String
    public let port: Int
    public let user: String
    public let passwordFile: String
    /// The RMCP+ cipher suite (`-C`); nil lets ipmitool choose (3 in 1.8.19; 17 in later ones).
    public let cipherSuite: Int?
    /// Whether `pxe` sets `options=efiboot` (the boot flags' "BIOS boot type" bit, IPMI v2.0
    /// table 28-14, parameter 5): UEFI firmware ignores a legacy PXE request on many BMCs.
    public let uefi: Bool

    public init(host: String, port: Int = 623, user: String, passwordFile: String, cipherSuite: Int? = nil, uefi: Bool = true) throws(PowerError) {
        guard !host.isEmpty, !host.hasPrefix("-"), !host.contains(where: \.isWhitespace) else { throw .invalid("bad IPMI host \"\(host)\"") }
        guard (1...65535).contains(port) else { throw .invalid("bad IPMI port \(port): expected 1-65535") }
        guard !user.isEmpty, user.utf8.count <= 16 else { throw .invalid("bad IPMI user \"\(user)\": 1 to 16 bytes (IPMI v2.0 §22.28)") }
        if let cipherSuite, !(0...17).contains(cipherSuite) { throw .invalid("bad IPMI cipher suite \(cipherSuite): expected 0-17") }
        self.host = host
        self.port = port
        self.user = user
        self.passwordFile = passwordFile
        self.cipherSuite = cipherSuite
        self.uefi = uefi
    }

    /// The connection part: IPMI v2.0 over LAN (`lanplus`), two retries and a short per-try
    /// timeout so an unreachable BMC fails in about 10 s (ipmitool's defaults take a minute);
    /// `-v` because only then does ipmitool say why a session failed (`RAKP 2 HMAC is invalid`
    /// for a wrong password, `Get Auth Capabilities error` for no answer).
    var connection: [String] {
        var arguments = ["-v", "-I", "lanplus", "-H", host, "-p", String(port), "-U", user, "-f", passwordFile, "-R", "2", "-N", "2"]
        if let cipherSuite { arguments += ["-C", String(cipherSuite)] }
        return arguments
    }

    public var status: [String] { connection + ["chassis", "power", "status"] }

    public func arguments(for step: PowerStep) -> [String] {
        switch step {
        case .on, .off, .cycle: connection + ["chassis", "power", step.rawValue]
        case .bootFromNetworkOnce: connection + ["chassis", "bootdev", "pxe"] + (uefi ? ["options=efiboot"] : [])
        }
    }

    /// `Chassis Power is on|off` (ipmitool's ipmi_chassis.c).
    public static func parseStatus(_ output: String) throws(PowerError) -> PowerState {
        for line in output.split(whereSeparator: \.isNewline) {
            let words = line.lowercased().split(separator: " ")
            guard words.count == 4, words[0] == "chassis", words[1] == "power", words[2] == "is" else { continue }
            switch words[3] {
            case "on": return .on
            case "off": return .off
            default: return .other(String(words[3]))
            }
        }
        throw .malformed("ipmitool printed no power status: \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    /// Lines `-v` adds on every run, which say nothing about a failure. ipmitool 1.8.19 probes
    /// for PICMG and VSO extensions when a session opens; a BMC without them answers "Invalid
    /// command", which it prints on the next line.
    static let chatter = ["Loading IANA PEN Registry", "Using best available cipher suite", "Discovered IPMB"]
    static let probes = ["Running Get PICMG", "Running Get VSO"]

    static func meaningfulLines(_ output: String) -> [String] {
        var lines: [String] = []
        var afterProbe = false
        for raw in output.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces).drop { $0 == ">" }.trimmingCharacters(in: .whitespaces)
            defer { afterProbe = probes.contains { line.hasPrefix($0) } }
            if line.isEmpty || chatter.contains(where: line.hasPrefix) || probes.contains(where: line.hasPrefix) { continue }
            if afterProbe && line.hasPrefix("Invalid completion code received") { continue }
            lines.append(line)
        }
        return lines
    }

    /// ipmitool's failure from its exit status and output (with `-v`): a RAKP refusal is a wrong
    /// user or password (IPMI v2.0 §13.31: the BMC's RAKP 2 HMAC is keyed by the password, or it
    /// answers "unauthorized name"); no answer to the first request is an unreachable BMC;
    /// anything else is what the BMC said (e.g. "Command not supported in present state").
    public static func failure(exitStatus: Int32, output: String) -> PowerError {
        let lines = meaningfulLines(output)
        let message = lines.isEmpty ? "ipmitool exited with status \(exitStatus)" : lines.joined(separator: " | ")
        let lower = message.lowercased()
        if lower.contains("rakp 2 hmac is invalid") || lower.contains("unauthorized name") {
            return .bmc(status: nil, message: "login refused (wrong user or password): \(message)")
        }
        if lower.contains("get auth capabilities error") || lower.contains("get channel authentication capabilities") {
            return .unreachable("no answer from the BMC: \(message)")
        }
        return .bmc(status: nil, message: message)
    }
}
