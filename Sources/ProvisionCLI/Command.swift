import Foundation
import Wire

/// One provisionctl command: its words, options and what it does.
struct Command: Sendable {
    let name: String
    let positionals: [String]
    let valued: Set<String>
    let switches: Set<String>
    let summary: String
    let optionHelp: String
    let run: @Sendable (CommandContext) throws(CLIError) -> String

    var usage: String {
        var text = "usage: provisionctl \(name)"
        if !positionals.isEmpty { text += " " + positionals.joined(separator: " ") }
        text += " [options]\n\n\(summary)\n"
        if !optionHelp.isEmpty { text += "\noptions:\n\(optionHelp)" }
        text += Usage.globalOptions
        return text
    }

    private static let specValued: Set<String> = ["--hostname", "--profile", "--role", "--cluster", "--ip", "--label", "--nic"]
    private static let specHelp = """
          --hostname H       host name (RFC 1123)
          --profile P        boot profile
          --role R           role in its cluster
          --cluster C        cluster it joins
          --ip A             reserved IPv4 address
          --label K=V        label, repeatable
          --nic MAC          another NIC of the machine, repeatable

        """

    static let all: [Command] = [
        Command(name: "register", positionals: ["MAC"], valued: specValued.union(PowerCommands.settingsValued), switches: ["--power-on"],
                summary: "Add a machine to the inventory, ready to install on its next network boot.",
                optionHelp: specHelp + "  (--hostname and --profile are required)\n" + PowerCommands.settingsHelp
                    + "  --power-on               then boot it from the network once and power it on (needs power settings)\n") {
            context throws(CLIError) in
            let mac = try context.mac()
            let power = try PowerCommands.settings(context.arguments)
            let powerOn = context.arguments.has("--power-on")
            if powerOn, power == nil {
                throw CLIError("--power-on needs the machine's power settings: --redfish, --ipmi or --proxmox", usage: true)
            }
            let body = [("mac", JSONValue.string(mac.description))] + (try MachineRequest.spec(context.arguments, requireIdentity: true))
            let machine = try context.client.call("POST", "/api/v1/machines", body: .object(body))
            if let power {
                do throws(CLIError) { try context.client.call("PUT", "/api/v1/machines/\(mac)/power", body: power) } catch {
                    throw CLIError("registered \(mac), but its power settings were refused: \(error.description)")
                }
            }
            return powerOn ? try PowerCommands.after(machine, "pxe", on: mac, context) : try Render.machine(machine, json: context.json)
        },
        Command(name: "list", positionals: [], valued: ["--state"], switches: [],
                summary: "List machines, optionally only those in one state.",
                optionHelp: "  --state S          discovered, registered, booting, installing, installed, ready, failed or retired\n") {
            context throws(CLIError) in
            var path = "/api/v1/machines"
            if let state = context.arguments.value("--state") {
                path += "?state=" + (state.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? state)
            }
            return try Render.machines(try context.client.call("GET", path), json: context.json)
        },
        Command(name: "show", positionals: ["MAC"], valued: [], switches: [], summary: "Show one machine.", optionHelp: "") {
            context throws(CLIError) in
            try Render.machine(try context.client.call("GET", "/api/v1/machines/\(try context.mac())"), json: context.json)
        },
        Command(name: "events", positionals: ["MAC"], valued: [], switches: [], summary: "Show a machine's lifecycle timeline.",
                optionHelp: "") { context throws(CLIError) in
            try Render.events(try context.client.call("GET", "/api/v1/machines/\(try context.mac())/events"), json: context.json)
        },
        Command(name: "update", positionals: ["MAC"], valued: specValued, switches: [],
                summary: "Change a machine's fields; give an empty value (--role '') to clear role, cluster or ip.",
                optionHelp: specHelp + "  (--label and --nic replace the whole set)\n") { context throws(CLIError) in
            let mac = try context.mac()
            let body = try MachineRequest.spec(context.arguments, requireIdentity: false)
            guard !body.isEmpty else { throw CLIError("nothing to update: give at least one option", usage: true) }
            let machine = try context.client.call("PATCH", "/api/v1/machines/\(mac)", body: .object(body))
            return try Render.machine(machine, json: context.json)
        },
        Command(name: "adopt", positionals: ["MAC"], valued: specValued, switches: [],
                summary: "Take a discovered machine into the inventory.",
                optionHelp: specHelp + "  (--hostname and --profile are required)\n") { context throws(CLIError) in
            let mac = try context.mac()
            let body = try MachineRequest.spec(context.arguments, requireIdentity: true)
            let machine = try context.client.call("POST", "/api/v1/machines/\(mac)/adopt", body: .object(body))
            return try Render.machine(machine, json: context.json)
        },
        lifecycle("reimage", "Install the machine again on its next network boot (new instance-id and install token).",
                  powerCycle: true),
        lifecycle("retire", "Stop serving the machine anything; its record and timeline stay.", powerCycle: false),
        Command(name: "profiles", positionals: [], valued: [], switches: [], summary: "List the boot profiles provisiond loaded.",
                optionHelp: "") { context throws(CLIError) in
            try Render.profiles(try context.client.call("GET", "/api/v1/profiles"), json: context.json)
        },
        Command(name: "render", positionals: ["MAC", "WHAT"], valued: ["--server-url"], switches: [],
                summary: "Print exactly what the machine would get now: ipxe, meta-data, user-data, vendor-data, network-config or k3s-config; "
                    + "seed: its NoCloud seed for an SMBIOS serial or a kernel command line.",
                optionHelp: "  --server-url URL   the boot plane URL to render with (default: provisiond's)\n") { context throws(CLIError) in
            let mac = try context.mac()
            var path = "/api/v1/machines/\(mac)/render/\(context.arguments.positionals[1])"
            if let server = context.arguments.value("--server-url") {
                path += "?server=" + (server.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? server)
            }
            return try context.client.callText("GET", path)
        },
        Command(name: "leases", positionals: [], valued: [], switches: [], summary: "List DHCP leases (full DHCP mode).",
                optionHelp: "") { context throws(CLIError) in
            try Render.leases(try context.client.call("GET", "/api/v1/leases"), json: context.json)
        },
        Command(name: "delete", positionals: ["MAC"], valued: [], switches: [],
                summary: "Remove a machine with its timeline.", optionHelp: "") { context throws(CLIError) in
            let mac = try context.mac()
            try context.client.call("DELETE", "/api/v1/machines/\(mac)")
            return context.json ? "{\"deleted\":\"\(mac)\"}\n" : "deleted \(mac)\n"
        },
    ] + ClusterCommands.all + ProxmoxCommands.all + ImageCommands.all + PowerCommands.all + [DoctorCommand.command]

    /// reimage and retire; reimage `--power-cycle` then boots the machine from the network once
    /// and cycles it (or powers it on), so it reinstalls with nobody at its console.
    private static func lifecycle(_ name: String, _ summary: String, powerCycle: Bool) -> Command {
        Command(name: name, positionals: ["MAC"], valued: ["--reason"], switches: powerCycle ? ["--power-cycle"] : [], summary: summary,
                optionHelp: "  --reason TEXT      kept in the machine's timeline\n"
                    + (powerCycle ? "  --power-cycle      then boot it from the network once and cycle it (needs power settings)\n" : "")) {
            context throws(CLIError) in
            let mac = try context.mac()
            let cycle = context.arguments.has("--power-cycle")
            // Checked first, so a machine without settings is not left waiting for a reboot nobody makes.
            if cycle { try context.client.call("GET", "/api/v1/machines/\(mac)/power") }
            var body: [(String, JSONValue)] = []
            if let reason = context.arguments.value("--reason") { body.append(("reason", .string(reason))) }
            let machine = try context.client.call("POST", "/api/v1/machines/\(mac)/\(name)", body: .object(body))
            return cycle ? try PowerCommands.after(machine, "pxe", on: mac, context) : try Render.machine(machine, json: context.json)
        }
    }
}
