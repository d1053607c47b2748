import Foundation
import Wire

/// `provisionctl cluster ...` (DESIGN.md §9).
enum ClusterCommands {
    static let all: [Command] = [
        Command(name: "cluster create", positionals: ["NAME"], valued: ["--kind", "--version", "--tls-san"], switches: [],
                summary: "Create a k3s or kubespray cluster with a fresh join token.",
                optionHelp: """
                      --kind K           k3s or kubespray (required)
                      --version V        k3s: INSTALL_K3S_VERSION (e.g. v1.31.4+k3s1); kubespray: kube_version
                      --tls-san NAME     extra name or address for the API server certificate, repeatable

                    members join with: provisionctl register MAC ... --cluster NAME --role ROLE
                      (k3s: server or agent; kubespray: control-plane, node, etcd, comma-separated)

                    """) { context throws(CLIError) in
            var body: [(String, JSONValue)] = [
                ("name", .string(context.arguments.positionals[0])), ("kind", .string(try context.arguments.required("--kind"))),
            ]
            if let version = context.arguments.value("--version") { body.append(("version", .string(version))) }
            let sans = context.arguments.all("--tls-san")
            if !sans.isEmpty { body.append(("tlsSans", .array(sans.map(JSONValue.string)))) }
            let cluster = try context.client.call("POST", "/api/v1/clusters", body: .object(body))
            return try ClusterRender.summary(cluster, json: context.json)
        },
        Command(name: "cluster list", positionals: [], valued: [], switches: [], summary: "List clusters.", optionHelp: "") {
            context throws(CLIError) in
            try ClusterRender.list(try context.client.call("GET", "/api/v1/clusters"), json: context.json)
        },
        Command(name: "cluster show", positionals: ["NAME"], valued: [], switches: [],
                summary: "Show a cluster: members, roles, states, join URL and its token.", optionHelp: "") { context throws(CLIError) in
            try ClusterRender.detail(try context.client.call("GET", "/api/v1/clusters/\(try name(context))"), json: context.json)
        },
        Command(name: "cluster delete", positionals: ["NAME"], valued: [], switches: [],
                summary: "Delete a cluster that has no members left.", optionHelp: "") { context throws(CLIError) in
            let name = try name(context)
            try context.client.call("DELETE", "/api/v1/clusters/\(name)")
            return context.json ? "{\"deleted\":\(JSONValue.string(name).encoded())}\n" : "deleted cluster \(name)\n"
        },
        inventory,
    ]

    /// The NAME positional, refused before anything is sent if it could not be a cluster name.
    static func name(_ context: CommandContext) throws(CLIError) -> String {
        let name = context.arguments.positionals[0]
        guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") && $0 < 0x7F }) else {
            throw CLIError("bad cluster name \"\(name)\"")
        }
        return name
    }
}
