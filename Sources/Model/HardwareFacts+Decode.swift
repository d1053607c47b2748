import Wire

extension HardwareFacts {
    /// Limits a document must keep: a machine cannot make provisiond store or render more.
    public enum Limits {
        public static let documentBytes = 256 * 1024
        public static let stringBytes = 256
        public static let disks = 128
        public static let nics = 128
        public static let byIDNames = 16
    }

    /// Decodes the environment's document strictly: every member present (null where allowed),
    /// no unknown member, integers non-negative, strings bounded and free of control characters,
    /// enumerations from their set. The first error names its path.
    public static func decode(_ bytes: [UInt8]) throws(HardwareFactsError) -> HardwareFacts {
        guard bytes.count <= Limits.documentBytes else {
            throw HardwareFactsError(path: "facts", message: "\(bytes.count) bytes, more than the \(Limits.documentBytes) allowed")
        }
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch { throw HardwareFactsError(path: "facts", message: error.description) }
        let root = try FactsObject(document, path: "facts", keys: ["version", "environment", "system", "firmware", "cpu", "memory", "disks", "nics"])
        let version = try root.integer("version")
        guard version == formatVersion else {
            throw HardwareFactsError(path: "facts.version", message: "format \(version) is not supported (this server reads \(formatVersion))")
        }
        let system = try root.object("system", keys: ["vendor", "product", "serial", "uuid"])
        let firmware = try root.object("firmware", keys: ["mode", "secure_boot"])
        let cpu = try root.object("cpu", keys: ["model", "sockets", "cores", "threads"])
        let memory = try root.object("memory", keys: ["total_bytes"])
        return HardwareFacts(
            environment: try root.optionalString("environment"),
            system: System(vendor: try system.optionalString("vendor"), product: try system.optionalString("product"),
                           serial: try system.optionalString("serial"), uuid: try system.optionalString("uuid")),
            firmware: Firmware(mode: try firmware.choice("mode", FirmwareMode.self), secureBoot: try firmware.optionalBool("secure_boot")),
            cpu: CPU(model: try cpu.optionalString("model"), sockets: try cpu.integer("sockets"), cores: try cpu.integer("cores"),
                     threads: try cpu.integer("threads")),
            memory: Memory(totalBytes: try memory.integer("total_bytes")),
            disks: try root.array("disks", limit: Limits.disks).map(decodeDisk),
            nics: try root.array("nics", limit: Limits.nics).map(decodeNIC))
    }

    private static func decodeDisk(_ item: (JSONValue, String)) throws(HardwareFactsError) -> Disk {
        let disk = try FactsObject(item.0, path: item.1, keys: ["name", "path", "by_id", "size_bytes", "model", "serial", "rotational",
                                                               "removable", "transport", "partition_table"])
        let name = try disk.word("name")
        let path = try disk.string("path")
        guard path.hasPrefix("/dev/") else { throw HardwareFactsError(path: "\(item.1).path", message: "\"\(path)\" is not under /dev/") }
        var byID: [String] = []
        for (value, itemPath) in try disk.array("by_id", limit: Limits.byIDNames) {
            let id = try FactsObject.string(value, path: itemPath)
            guard id.hasPrefix("/dev/disk/by-id/"), !id.contains("/../") else {
                throw HardwareFactsError(path: itemPath, message: "\"\(id)\" is not under /dev/disk/by-id/")
            }
            byID.append(id)
        }
        let partitionTable = try disk.optionalString("partition_table")
        if let partitionTable, !FactsObject.isWord(partitionTable) {
            throw HardwareFactsError(path: "\(item.1).partition_table", message: "\"\(partitionTable)\" is not a partition table type")
        }
        return Disk(name: name, path: path, byID: byID, sizeBytes: try disk.integer("size_bytes"), model: try disk.optionalString("model"),
                    serial: try disk.optionalString("serial"), rotational: try disk.optionalBool("rotational"),
                    removable: try disk.optionalBool("removable"), transport: try disk.optionalChoice("transport", Transport.self),
                    partitionTable: partitionTable)
    }

    private static func decodeNIC(_ item: (JSONValue, String)) throws(HardwareFactsError) -> NIC {
        let nic = try FactsObject(item.0, path: item.1, keys: ["name", "mac", "driver", "link", "speed_mbps"])
        let macText = try nic.string("mac")
        let mac: MACAddress
        do { mac = try MACAddress(macText) } catch { throw HardwareFactsError(path: "\(item.1).mac", message: error.description) }
        return NIC(name: try nic.word("name"), mac: mac, driver: try nic.optionalString("driver"), link: try nic.optionalBool("link"),
                   speedMbps: try nic.optionalInteger("speed_mbps"))
    }
}

/// One object of the document with its path, read member by member.
private struct FactsObject {
    let members: [(String, JSONValue)]
    let path: String

    init(_ value: JSONValue, path: String, keys: [String]) throws(HardwareFactsError) {
        guard let members = value.objectValue else { throw HardwareFactsError(path: path, message: "must be an object, not \(value.typeName)") }
        var seen: Set<String> = []
        for (key, _) in members {
            guard keys.contains(key) else {
                throw HardwareFactsError(path: path, message: "unknown member \"\(EventSafe.clip(key))\" (known: \(keys.joined(separator: ", ")))")
            }
            guard seen.insert(key).inserted else { throw HardwareFactsError(path: "\(path).\(key)", message: "given twice") }
        }
        for key in keys where !seen.contains(key) { throw HardwareFactsError(path: "\(path).\(key)", message: "missing") }
        self.members = members
        self.path = path
    }

    private func value(_ key: String) -> JSONValue { members.first { $0.0 == key }!.1 }

    func object(_ key: String, keys: [String]) throws(HardwareFactsError) -> FactsObject {
        try FactsObject(value(key), path: "\(path).\(key)", keys: keys)
    }

    /// The items with their paths.
    func array(_ key: String, limit: Int) throws(HardwareFactsError) -> [(JSONValue, String)] {
        guard let items = value(key).arrayValue else {
            throw HardwareFactsError(path: "\(path).\(key)", message: "must be an array, not \(value(key).typeName)")
        }
        guard items.count <= limit else { throw HardwareFactsError(path: "\(path).\(key)", message: "\(items.count) items, more than \(limit)") }
        return items.enumerated().map { ($0.element, "\(path).\(key)[\($0.offset)]") }
    }

    func integer(_ key: String) throws(HardwareFactsError) -> Int {
        guard let number = try optionalInteger(key) else { throw HardwareFactsError(path: "\(path).\(key)", message: "must be a number, not null") }
        return number
    }

    func optionalInteger(_ key: String) throws(HardwareFactsError) -> Int? {
        let value = value(key)
        if value == .null { return nil }
        // Int() refuses fractions, exponents and anything beyond 64 bits.
        guard case .number(let text) = value, let number = Int(text), number >= 0 else {
            throw HardwareFactsError(path: "\(path).\(key)", message: "must be a non-negative integer, not \(EventSafe.clip(value.encoded()))")
        }
        return number
    }

    func optionalBool(_ key: String) throws(HardwareFactsError) -> Bool? {
        let value = value(key)
        if value == .null { return nil }
        guard let flag = value.boolValue else {
            throw HardwareFactsError(path: "\(path).\(key)", message: "must be true, false or null, not \(value.typeName)")
        }
        return flag
    }

    func string(_ key: String) throws(HardwareFactsError) -> String {
        try Self.string(value(key), path: "\(path).\(key)")
    }

    func optionalString(_ key: String) throws(HardwareFactsError) -> String? {
        value(key) == .null ? nil : try string(key)
    }

    /// A name such as a kernel device or interface name: letters, digits, `_`, `-`, `.`, `:`.
    func word(_ key: String) throws(HardwareFactsError) -> String {
        let text = try string(key)
        guard Self.isWord(text) else { throw HardwareFactsError(path: "\(path).\(key)", message: "\"\(text)\" is not a device name") }
        return text
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(HardwareFactsError) -> T where T.RawValue == String {
        guard let chosen = try optionalChoice(key, type) else { throw HardwareFactsError(path: "\(path).\(key)", message: "must not be null") }
        return chosen
    }

    func optionalChoice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(HardwareFactsError) -> T?
    where T.RawValue == String {
        guard let text = try optionalString(key) else { return nil }
        guard let chosen = T(rawValue: text) else {
            let known = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw HardwareFactsError(path: "\(path).\(key)", message: "\"\(text)\" is not one of \(known)")
        }
        return chosen
    }

    static func string(_ value: JSONValue, path: String) throws(HardwareFactsError) -> String {
        guard let text = value.stringValue else { throw HardwareFactsError(path: path, message: "must be a string, not \(value.typeName)") }
        guard !text.isEmpty else { throw HardwareFactsError(path: path, message: "must not be empty (null says unknown)") }
        guard text.utf8.count <= HardwareFacts.Limits.stringBytes else {
            throw HardwareFactsError(path: path, message: "\(text.utf8.count) bytes, more than \(HardwareFacts.Limits.stringBytes)")
        }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw HardwareFactsError(path: path, message: "holds control characters")
        }
        return text
    }

    static func isWord(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "_-.:@".unicodeScalars.contains($0)
        }
    }
}

/// Quoting what a machine sent in an error: bounded.
private enum EventSafe {
    static func clip(_ text: String) -> String {
        text.utf8.count <= 64 ? text : String(decoding: Array(text.utf8.prefix(64)), as: UTF8.self) + "…"
    }
}
