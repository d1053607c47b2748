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

    /// The connection part: IPMI v2.0 over LAN (`lanplus`), one retry and a short per-try
    /// timeout so an unreachable BMC fails in seconds (ipmitool's defaults: 4 retries of 1+ s,
    /// doubling).
    var connection: [String] {
        var arguments = ["-I", "lanplus", "-H", host, "-p", String(port), "-U", user, "-f", passwordFile, "-R", "2", "-N", "2"]
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

    /// ipmitool's failure, from its exit status and stderr: a session that cannot be opened is
    /// unreachable or a refused login (RAKP: "unauthorized name" / "insufficient resources"),
    /// anything else is what the BMC said.
    public static func failure(exitStatus: Int32, stderr: String) -> PowerError {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let message = lines.isEmpty ? "ipmitool exited with status \(exitStatus)" : lines.joined(separator: " | ")
        let lower = message.lowercased()
        if lower.contains("unauthorized") || lower.contains("rakp") || lower.contains("password") {
            return .bmc(status: nil, message: message)
        }
        if lower.contains("unable to establish") || lower.contains("no response") || lower.contains("timeout")
            || lower.contains("address lookup") {
            return .unreachable(message)
        }
        return .bmc(status: nil, message: message)
    }
}
