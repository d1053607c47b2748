import Wire

/// Terminal text for clusters, or the JSON with `--json`.
enum ClusterRender {
    static func summary(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let cluster = try Render.expect(value)
        if json { return cluster.encoded(pretty: true) + "\n" }
        return fields(cluster, ["name", "kind", "version", "tlsSans", "firstServer", "createdAt"])
    }

    static func list(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let clusters = try Render.expect(value)["clusters"]?.arrayValue ?? []
        if json { return JSONValue.array(clusters).encoded(pretty: true) + "\n" }
        var table = TextTable(["NAME", "KIND", "VERSION", "MEMBERS", "FIRST SERVER"])
        for cluster in clusters { table.add(["name", "kind", "version", "members", "firstServer"].map { Render.display(cluster[$0]) }) }
        return table.render()
    }

    static func detail(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let cluster = try Render.expect(value)
        if json { return cluster.encoded(pretty: true) + "\n" }
        var text = fields(cluster, ["name", "kind", "version", "tlsSans", "joinUrl", "token", "createdAt"])
        var table = TextTable(["MAC", "HOSTNAME", "ROLE", "STATE", "IP", "FIRST"])
        for member in cluster["members"]?.arrayValue ?? [] {
            let first = member["firstServer"] == .bool(true) ? "yes" : ""
            table.add(["mac", "hostname", "role", "state", "ip"].map { Render.display(member[$0]) } + [first])
        }
        text += "\n" + table.render()
        return text
    }

    private static func fields(_ cluster: JSONValue, _ names: [String]) -> String {
        names.map { name in
            let value = cluster[name]
            let shown = value?.arrayValue.map { $0.compactMap(\.stringValue).joined(separator: ", ") } ?? Render.display(value)
            return Render.pad(name + ":", 13) + (shown.isEmpty ? "-" : shown)
        }.joined(separator: "\n") + "\n"
    }
}
