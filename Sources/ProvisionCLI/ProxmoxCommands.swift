import Foundation
import Wire

/// `provisionctl proxmox ...`: endpoints, template rollout and VMs. Files (token secret,
/// password, CA) are read here and sent in the body; long operations wait up to an hour.
enum ProxmoxCommands {
    static let longTimeout: TimeInterval = 3600

    static let all: [Command] = [
        Command(name: "proxmox add", positionals: ["NAME"],
                valued: ["--url", "--token-id", "--token-secret-file", "--user", "--password-file", "--ca-file", "--fingerprint"], switches: [],
                summary: "Add a Proxmox VE endpoint (checked before it is stored).",
                optionHelp: """
                      --url URL                https://HOST:8006
                      --token-id ID            API token USER@REALM!TOKENID, with --token-secret-file F
                      --user USER@REALM        or a user login, with --password-file F
                      --ca-file F              trust: the cluster's CA (/etc/pve/pve-root-ca.pem)
                      --fingerprint SHA256     or: the node certificate's SHA-256 fingerprint (AB:CD:...)

                    """) { context throws(CLIError) in
            let arguments = context.arguments
            var body: [(String, JSONValue)] = [("name", .string(arguments.positionals[0])), ("url", .string(try arguments.required("--url")))]
            if let token = arguments.value("--token-id") {
                body += [("token_id", .string(token)), ("token_secret", .string(try OptionValues.secret(arguments.required("--token-secret-file"))))]
            } else if let user = arguments.value("--user") {
                body += [("user", .string(user)), ("password", .string(try OptionValues.secret(arguments.required("--password-file"))))]
            } else {
                throw CLIError("give --token-id with --token-secret-file, or --user with --password-file", usage: true)
            }
            if let ca = arguments.value("--ca-file") { body.append(("ca_pem", .string(try OptionValues.file(ca)))) }
            if let fingerprint = arguments.value("--fingerprint") { body.append(("fingerprint", .string(fingerprint))) }
            let endpoint = try context.client.call("POST", "/api/v1/proxmox/endpoints", body: .object(body))
            return context.json ? Render.json(endpoint) : "added \(arguments.positionals[0]) (\(endpoint?["trust"]?.stringValue ?? "?") trust)\n"
        },
        Command(name: "proxmox endpoints", positionals: [], valued: [], switches: [], summary: "List Proxmox endpoints.", optionHelp: "") {
            context throws(CLIError) in
            let endpoints = try context.client.call("GET", "/api/v1/proxmox/endpoints")?["endpoints"]
            return try Render.table(endpoints, json: context.json, columns: ["name", "url", "auth", "principal", "trust"])
        },
        Command(name: "proxmox remove", positionals: ["NAME"], valued: [], switches: [], summary: "Remove a Proxmox endpoint.", optionHelp: "") {
            context throws(CLIError) in
            try context.client.call("DELETE", "/api/v1/proxmox/endpoints/\(context.arguments.positionals[0])")
            return "removed \(context.arguments.positionals[0])\n"
        },
        Command(name: "proxmox template rollout", positionals: [],
                valued: ["--endpoint", "--name", "--image-url", "--checksum", "--storage", "--import-storage", "--node", "--vmid"],
                switches: ["--all-nodes", "--replace"],
                summary: "Make a template from a cloud image on nodes (idempotent).",
                optionHelp: """
                      --endpoint E             the Proxmox endpoint
                      --name T                 template name
                      --image-url URL          cloud image (qcow2)
                      --checksum ALG:HEX       e.g. sha256:...
                      --storage S              storage for the disks
                      --import-storage S       file storage with content 'import' (default: --storage)
                      --node N                 a node, repeatable; or --all-nodes (every online node)
                      --vmid N                 first vmid to use
                      --replace                remake a half-made or different template

                    """) { context throws(CLIError) in
            let arguments = context.arguments
            var body: [(String, JSONValue)] = try ["--endpoint", "--name", "--image-url", "--storage"].map { option throws(CLIError) in
                (field(option), .string(try arguments.required(option)))
            }
            for option in ["--checksum", "--import-storage"] {
                if let value = arguments.value(option) { body.append((field(option), .string(value))) }
            }
            let nodes = arguments.all("--node")
            guard nodes.isEmpty == arguments.has("--all-nodes") else { throw CLIError("give --node N (repeatable) or --all-nodes", usage: true) }
            body.append(nodes.isEmpty ? ("all_nodes", .bool(true)) : ("nodes", .array(nodes.map(JSONValue.string))))
            if arguments.has("--replace") { body.append(("replace", .bool(true))) }
            if let vmid = arguments.value("--vmid") { body.append(("vmid", try OptionValues.integer(vmid, "--vmid"))) }
            let reply = try long(context).send("POST", "/api/v1/proxmox/templates/rollout", body: .object(body))
            let results = reply.body?["results"]
            guard let results else { throw CLIError("\(reply.body?["error"]?.stringValue ?? "rollout failed") (HTTP \(reply.status))") }
            let text = try Render.table(results, json: context.json, columns: ["node", "vmid", "status", "error"])
            guard reply.status == 200 else { throw CLIError("template rollout failed on some nodes:\n" + text) }
            return text
        },
        Command(name: "proxmox vm create", positionals: ["NAME"],
                valued: ["--endpoint", "--template", "--profile", "--node", "--cores", "--memory", "--disk", "--role", "--cluster", "--bridge",
                         "--ssh-key-file"],
                switches: [],
                summary: "Register a machine and make its VM from a template.",
                optionHelp: """
                      --endpoint E --template T --profile P   required
                      --node N                 the node whose template is cloned (default: the first that has it)
                      --cores C  --memory MiB  --disk SIZE (e.g. 20G)  --bridge vmbr0
                      --role R  --cluster C
                      --ssh-key-file F         public keys for cloud-init (one a line), repeatable

                    """) { context throws(CLIError) in
            let arguments = context.arguments
            var body: [(String, JSONValue)] = [("name", .string(arguments.positionals[0]))]
            let keyFiles = arguments.all("--ssh-key-file")
            if !keyFiles.isEmpty { body.append(("ssh_keys", .array(try SSHKeyFile.keys(paths: keyFiles).map(JSONValue.string)))) }
            for option in ["--endpoint", "--template", "--profile"] { body.append((field(option), .string(try arguments.required(option)))) }
            for option in ["--node", "--disk", "--role", "--cluster", "--bridge"] {
                if let value = arguments.value(option) { body.append((field(option), .string(value))) }
            }
            for option in ["--cores", "--memory"] {
                if let value = arguments.value(option) { body.append((field(option), try OptionValues.integer(value, option))) }
            }
            let vm = try long(context).call("POST", "/api/v1/proxmox/vms", body: .object(body))
            return context.json ? Render.json(vm) : "created \(arguments.positionals[0]): vmid \(Render.display(vm?["vmid"])) on \(Render.display(vm?["node"])), MAC \(Render.display(vm?["mac"]))\n"
        },
        Command(name: "proxmox vm list", positionals: [], valued: ["--endpoint"], switches: [],
                summary: "List VMs with their machine state and Proxmox status.", optionHelp: "  --endpoint E       only this endpoint\n") {
            context throws(CLIError) in
            let query = context.arguments.value("--endpoint").map { "?endpoint=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
            let vms = try long(context).call("GET", "/api/v1/proxmox/vms" + query)?["vms"]
            return try Render.table(vms, json: context.json, columns: ["name", "endpoint", "node", "vmid", "mac", "state", "status"])
        },
        Command(name: "proxmox vm delete", positionals: ["NAME"], valued: [], switches: ["--retire"],
                summary: "Stop and destroy the VM, then delete its machine (or retire it with --retire).", optionHelp: "  --retire           keep the machine, retired\n") {
            context throws(CLIError) in
            let name = context.arguments.positionals[0]
            let reply = try long(context).call("DELETE", "/api/v1/proxmox/vms/\(name)" + (context.arguments.has("--retire") ? "?retire=1" : ""))
            if context.json { return Render.json(reply) }
            return "deleted \(name)\n" + (reply?["note"]?.stringValue.map { "note: \($0)\n" } ?? "")
        },
    ]

    private static func long(_ context: CommandContext) -> AdminClient {
        var client = context.client
        client.timeout = longTimeout
        return client
    }

    /// `--image-url` → `image_url`.
    private static func field(_ option: String) -> String { String(option.dropFirst(2)).replacingOccurrences(of: "-", with: "_") }
}
