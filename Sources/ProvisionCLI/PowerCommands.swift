import Foundation
import Wire

/// `provisionctl power ...`: a machine's BMC settings, and operations on one machine or on many
/// (by label or cluster, provisiond runs a few at once and answers a summary).
enum PowerCommands {
    /// provisiond answers an operation within 150 s (504 past it: the BMC still works on it).
    static let timeout: TimeInterval = 180
    static let bulkTimeout: TimeInterval = 3600
    static let operations = ["status", "on", "off", "cycle", "pxe"]

    static let settingsValued: Set<String> = ["--redfish", "--ipmi", "--proxmox", "--port", "--user", "--password-file", "--cipher",
                                              "--ca-file", "--fingerprint"]
    static let settingsHelp = """
          --redfish URL            https://BMC or https://BMC/redfish/v1/Systems/ID, with --user and --password-file
            --ca-file F            trust: the CA that signed the BMC's certificate
            --fingerprint SHA256   or: the BMC certificate's SHA-256 fingerprint (AB:CD:...)
          --ipmi HOST              an IPMI BMC (ipmitool lanplus), with --user and --password-file
            --port N               its UDP port (default 623)
            --cipher N             RMCP+ cipher suite (default: ipmitool's choice)
          --proxmox ENDPOINT       a VM made by provisionctl proxmox vm create through ENDPOINT

        """

    static let all: [Command] = [
        Command(name: "power set", positionals: ["MAC"], valued: settingsValued, switches: [],
                summary: "Store how to switch a machine's power (the password stays in provisiond, never answered).",
                optionHelp: settingsHelp) { context throws(CLIError) in
            let mac = try context.mac()
            guard let body = try settings(context.arguments) else {
                throw CLIError("give --redfish URL, --ipmi HOST or --proxmox ENDPOINT", usage: true)
            }
            let stored = try context.client.call("PUT", "/api/v1/machines/\(mac)/power", body: body)
            return context.json ? Render.json(stored) : "power of \(mac): \(describe(stored))\n"
        },
        Command(name: "power show", positionals: ["MAC"], valued: [], switches: [], summary: "Show a machine's power settings.",
                optionHelp: "") { context throws(CLIError) in
            let settings = try context.client.call("GET", "/api/v1/machines/\(try context.mac())/power")
            if context.json { return Render.json(settings) }
            let fields = ["mac", "driver", "address", "port", "user", "has_password", "cipher_suite", "trust", "fingerprint", "updatedAt"]
            return fields.map { Render.pad($0 + ":", 14) + Render.display(settings?[$0]) }.joined(separator: "\n") + "\n"
        },
        Command(name: "power unset", positionals: ["MAC"], valued: [], switches: [], summary: "Forget a machine's power settings.",
                optionHelp: "") { context throws(CLIError) in
            let mac = try context.mac()
            try context.client.call("DELETE", "/api/v1/machines/\(mac)/power")
            return context.json ? "{\"unset\":\"\(mac)\"}\n" : "power settings of \(mac) removed\n"
        },
    ] + operations.map(operation)

    private static func operation(_ name: String) -> Command {
        let purpose = switch name {
        case "status": "Read the power state."
        case "pxe": "Boot from the network once, then power on (or cycle a running machine)."
        default: "Power \(name) (only when needed: on of a running machine sends nothing)."
        }
        return Command(name: "power \(name)", positionals: ["[MAC]"], valued: ["--label", "--cluster"], switches: [],
                       summary: purpose + " One MAC, or every machine with --label K=V (repeatable) and/or in --cluster C.",
                       optionHelp: "  --label K=V        machines with this label, repeatable\n  --cluster C        machines in this cluster\n") {
            context throws(CLIError) in
            let arguments = context.arguments
            let labels = try MachineRequest.labels(arguments), cluster = arguments.value("--cluster")
            guard arguments.positionals.isEmpty != (labels == nil && cluster == nil) else {
                throw CLIError("give a MAC, or --label K=V / --cluster C for many machines", usage: true)
            }
            guard arguments.positionals.isEmpty else { return try run(name, on: try context.mac(), context) }
            var body: [(String, JSONValue)] = []
            if let labels { body.append(("labels", labels)) }
            if let cluster { body.append(("cluster", .string(cluster))) }
            var client = context.client
            client.timeout = bulkTimeout
            return try summary(try client.call("POST", "/api/v1/power/\(name)", body: .object(body)), json: context.json)
        }
    }

    /// One operation on one machine: the answer as one line (`MAC: pxe: off → pxe-once → on → on`).
    static func run(_ name: String, on mac: MACAddress, _ context: CommandContext) throws(CLIError) -> String {
        let report = try perform(name, on: mac, context.client)
        return context.json ? Render.json(report) : line(name, mac, report)
    }

    static func perform(_ name: String, on mac: MACAddress, _ client: AdminClient) throws(CLIError) -> JSONValue? {
        var client = client
        client.timeout = timeout
        return try client.call("POST", "/api/v1/machines/\(mac)/power/\(name)")
    }

    static func line(_ name: String, _ mac: MACAddress, _ report: JSONValue?) -> String {
        "\(mac): " + (name == "status" ? Render.display(report?["state"]) : Render.display(report?["summary"])) + "\n"
    }

    /// A lifecycle command followed by a power operation (`register --power-on`, `reimage
    /// --power-cycle`): the machine, then the power line; with `--json` one object holding both.
    static func after(_ machine: JSONValue?, _ name: String, on mac: MACAddress, _ context: CommandContext) throws(CLIError) -> String {
        let report: JSONValue?
        do throws(CLIError) { report = try perform(name, on: mac, context.client) } catch {
            throw CLIError("\(mac) is \(Render.display(machine?["state"])), but power \(name) failed: \(error.description)",
                           stdout: try Render.machine(machine, json: context.json))
        }
        if context.json { return Render.json(.object([("machine", machine ?? .null), ("power", report ?? .null)])) }
        return try Render.machine(machine, json: false) + line(name, mac, report)
    }

    /// A bulk answer: one row per machine and the count; any failure makes the command fail.
    private static func summary(_ answer: JSONValue?, json: Bool) throws(CLIError) -> String {
        let answer = try Render.expect(answer)
        let ok = answer["ok"]?.intValue ?? 0, failed = answer["failed"]?.intValue ?? 0
        var text: String
        if json {
            text = Render.json(answer)
        } else {
            var table = TextTable(["MAC", "OK", "RESULT"])
            for result in answer["results"]?.arrayValue ?? [] {
                let ok = result["ok"]?.boolValue == true
                table.add([Render.display(result["mac"]), ok ? "yes" : "no", Render.display(ok ? result["summary"] : result["error"])])
            }
            text = table.render() + "\(ok) ok, \(failed) failed\n"
        }
        guard failed == 0 else { throw CLIError("power \(answer["operation"]?.stringValue ?? ""): \(failed) of \(ok + failed) machines failed", stdout: text) }
        return text
    }

    /// The settings body from `--redfish` / `--ipmi` / `--proxmox` and their options; nil when
    /// none of the three is given.
    static func settings(_ arguments: Arguments) throws(CLIError) -> JSONValue? {
        let kinds = [("redfish", "--redfish"), ("ipmi", "--ipmi"), ("proxmox", "--proxmox")].filter { arguments.value($0.1) != nil }
        guard let (driver, option) = kinds.first else { return nil }
        guard kinds.count == 1 else { throw CLIError("give one of --redfish, --ipmi and --proxmox", usage: true) }
        var body: [(String, JSONValue)] = [("driver", .string(driver)), ("address", .string(try arguments.required(option)))]
        if driver != "proxmox" {
            body += [("user", .string(try arguments.required("--user"))),
                     ("password", .string(try OptionValues.secret(try arguments.required("--password-file"))))]
        }
        if let ca = arguments.value("--ca-file") { body.append(("ca_pem", .string(try OptionValues.file(ca)))) }
        if let fingerprint = arguments.value("--fingerprint") { body.append(("fingerprint", .string(fingerprint))) }
        if let port = arguments.value("--port") { body.append(("port", try OptionValues.integer(port, "--port"))) }
        if let cipher = arguments.value("--cipher") { body.append(("cipher_suite", try OptionValues.integer(cipher, "--cipher"))) }
        return .object(body)
    }

    /// `redfish https://bmc (ca-file trust, user admin, password set)`.
    static func describe(_ settings: JSONValue?) -> String {
        var parts: [String] = []
        if let user = settings?["user"]?.stringValue { parts.append("user \(user)") }
        if settings?["has_password"]?.boolValue == true { parts.append("password set") }
        if let trust = settings?["trust"]?.stringValue { parts.append("\(trust) trust") }
        let driver = Render.display(settings?["driver"]), address = Render.display(settings?["address"])
        return "\(driver) \(address)" + (settings?["port"]?.intValue.map { ":\($0)" } ?? "") + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }
}
