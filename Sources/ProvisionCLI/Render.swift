import Wire

/// Turns API answers into terminal text, or passes the JSON through with `--json`.
enum Render {
    static func machine(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let machine = try expect(value)
        if json { return machine.encoded(pretty: true) + "\n" }
        var text = ""
        let fields = ["mac", "hostname", "state", "profile", "role", "cluster", "ip", "instanceId", "createdAt", "updatedAt"]
        for field in fields { text += pad(field + ":", 12) + display(machine[field]) + "\n" }
        let nics = machine["nics"]?.arrayValue?.compactMap(\.stringValue) ?? []
        text += pad("nics:", 12) + (nics.isEmpty ? "-" : nics.joined(separator: ", ")) + "\n"
        let labels = machine["labels"]?.objectValue?.map { "\($0.0)=\($0.1.stringValue ?? "")" } ?? []
        text += pad("labels:", 12) + (labels.isEmpty ? "-" : labels.joined(separator: ", ")) + "\n"
        if let seen = machine["seen"]?.objectValue {
            let facts = seen.filter { $0.1 != .null }.map { "\($0.0)=\(display($0.1))" }
            text += pad("seen:", 12) + facts.joined(separator: " ") + "\n"
        }
        if let facts = machine["facts"], facts != .null { text += hardware(facts) }
        return text
    }

    /// The hardware facts block of `show`: one line per system, CPU, memory, disk and NIC.
    static func hardware(_ facts: JSONValue) -> String {
        func words(_ values: [JSONValue?]) -> String {
            values.compactMap { $0 }.filter { $0 != .null }.map { $0.stringValue ?? $0.encoded() }.joined(separator: " ")
        }
        func bytes(_ value: JSONValue?) -> String {
            guard let count = value?.intValue else { return "?" }
            return count >= 1 << 30 ? "\(count / (1 << 30)) GiB" : "\(count / (1 << 20)) MiB"
        }
        let system = facts["system"], firmware = facts["firmware"], cpu = facts["cpu"]
        var text = pad("hardware:", 12) + words([system?["vendor"], system?["product"]])
        if let serial = system?["serial"]?.stringValue { text += " serial \(serial)" }
        if let uuid = system?["uuid"]?.stringValue { text += " uuid \(uuid)" }
        text += ", " + display(firmware?["mode"])
        if let secureBoot = firmware?["secure_boot"]?.boolValue { text += secureBoot ? " secure boot on" : " secure boot off" }
        text += "\n"
        text += pad("cpu:", 12) + "\(display(cpu?["model"])), \(display(cpu?["sockets"])) sockets, \(display(cpu?["cores"])) cores, "
            + "\(display(cpu?["threads"])) threads\n"
        text += pad("memory:", 12) + bytes(facts["memory"]?["total_bytes"]) + "\n"
        for disk in facts["disks"]?.arrayValue ?? [] {
            let table = disk["partition_table"]?.stringValue.map { "partition table \($0)" } ?? "no partition table"
            let flags = [disk["removable"]?.boolValue == true ? "removable" : nil, disk["rotational"]?.boolValue == false ? "ssd" : nil]
            text += pad("disk:", 12) + words([disk["path"], .string(bytes(disk["size_bytes"])), disk["transport"], disk["model"], disk["serial"]])
                + ", " + ([table] + flags.compactMap { $0 }).joined(separator: ", ") + "\n"
        }
        for nic in facts["nics"]?.arrayValue ?? [] {
            let link = nic["link"]?.boolValue.map { $0 ? "link up" : "no link" } ?? "link ?"
            let speed = nic["speed_mbps"]?.intValue.map { " \($0) Mb/s" } ?? ""
            text += pad("nic:", 12) + words([nic["name"], nic["mac"], nic["driver"]]) + ", \(link)\(speed)\n"
        }
        text += pad("reported:", 12) + display(facts["reportedAt"]) + " (deploy environment \(display(facts["environment"])))\n"
        return text
    }

    static func machines(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let machines = try expect(value)["machines"]?.arrayValue ?? []
        if json { return JSONValue.array(machines).encoded(pretty: true) + "\n" }
        var table = TextTable(["MAC", "HOSTNAME", "STATE", "PROFILE", "ROLE", "CLUSTER", "IP", "UPDATED"])
        for machine in machines {
            table.add(["mac", "hostname", "state", "profile", "role", "cluster", "ip", "updatedAt"].map { display(machine[$0]) })
        }
        return table.render()
    }

    static func events(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let events = try expect(value)["events"]?.arrayValue ?? []
        if json { return JSONValue.array(events).encoded(pretty: true) + "\n" }
        var table = TextTable(["TIME", "EVENT", "FROM", "TO", "SOURCE", "DETAIL"])
        for event in events { table.add(["at", "event", "from", "to", "source", "detail"].map { display(event[$0]) }) }
        return table.render()
    }

    static func profiles(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let profiles = try expect(value)["profiles"]?.arrayValue ?? []
        if json { return JSONValue.array(profiles).encoded(pretty: true) + "\n" }
        var table = TextTable(["NAME", "KERNEL", "BUILD", "IMAGE", "USER-DATA", "DESCRIPTION"])
        for profile in profiles {
            let description = profile["description"]?.stringValue ?? ""
            // An image profile's image, and the disk it goes to: `debian-12 to smallest (wipe)`.
            let image = profile["image"].flatMap { image in
                image["name"]?.stringValue.map { "\($0) to \(display(image["targetDisk"]))" + (image["wipe"] == .bool(true) ? " (wipe)" : "") }
            }
            table.add([display(profile["name"]), display(profile["kernel"]), display(profile["kernelVersion"]), image ?? "-",
                       display(profile["userData"]), description.count > 60 ? String(description.prefix(57)) + "..." : description])
        }
        return table.render()
    }

    static func leases(_ value: JSONValue?, json: Bool) throws(CLIError) -> String {
        let leases = try expect(value)["leases"]?.arrayValue ?? []
        if json { return JSONValue.array(leases).encoded(pretty: true) + "\n" }
        var table = TextTable(["IP", "MAC", "STATE", "EXPIRES", "HOSTNAME"])
        for lease in leases { table.add(["ip", "mac", "state", "expires", "hostname"].map { display(lease[$0]) }) }
        return table.render()
    }

    static func expect(_ value: JSONValue?) throws(CLIError) -> JSONValue {
        guard let value else { throw CLIError("the server sent an empty answer") }
        return value
    }

    static func json(_ value: JSONValue?) -> String { (value ?? .null).encoded(pretty: true) + "\n" }

    /// An array of objects as a table of `columns` (upper-cased as headings).
    static func table(_ value: JSONValue?, json: Bool, columns: [String]) throws(CLIError) -> String {
        let rows = try expect(value).arrayValue ?? []
        if json { return JSONValue.array(rows).encoded(pretty: true) + "\n" }
        var table = TextTable(columns.map { $0.uppercased() })
        for row in rows { table.add(columns.map { display(row[$0]) }) }
        return table.render()
    }

    static func display(_ value: JSONValue?) -> String {
        guard let value, value != .null else { return "-" }
        if let text = value.stringValue { return text.isEmpty ? "-" : text }
        return value.encoded()
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - text.count))
    }
}
