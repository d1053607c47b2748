import Foundation

extension ClusterCommands {
    /// `provisionctl cluster inventory NAME [--format ini|yaml]`: the kubespray inventory as
    /// provisiond would write it now (the files live in the data directory under clusters/NAME/).
    static let inventory = Command(
        name: "cluster inventory", positionals: ["NAME"], valued: ["--format"], switches: [],
        summary: "Print a kubespray cluster's inventory, as written to clusters/NAME/ in the data directory.",
        optionHelp: "  --format F         ini (inventory.ini, the default) or yaml (hosts.yaml)\n"
    ) { context throws(CLIError) in
        let format = context.arguments.value("--format") ?? "ini"
        guard format == "ini" || format == "yaml" else { throw CLIError("unknown --format \"\(format)\" (ini, yaml)", usage: true) }
        return try context.client.callText("GET", "/api/v1/clusters/\(try name(context))/inventory?format=\(format)")
    }
}
