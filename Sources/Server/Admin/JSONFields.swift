import Wire

/// Typed access to the members of a JSON request body, refusing unknown members and wrong types
/// with messages that name the field.
struct JSONFields {
    private let members: [String: JSONValue]

    /// An empty body reads as `{}`.
    init(body: [UInt8], allowed: Set<String>) throws(APIError) {
        if body.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            members = [:]
            return
        }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw APIError(400, "request body: \(error.description)") }
        guard let pairs = value.objectValue else { throw APIError(400, "request body must be a JSON object, not \(value.typeName)") }
        var members: [String: JSONValue] = [:]
        for (key, member) in pairs {
            guard allowed.contains(key) else {
                throw APIError(400, "unknown field \"\(key)\" (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard members[key] == nil else { throw APIError(400, "field \"\(key)\" given twice") }
            members[key] = member
        }
        self.members = members
    }

    var isEmpty: Bool { members.isEmpty }

    func member(_ key: String) -> JSONValue? { members[key] }

    func requiredString(_ key: String) throws(APIError) -> String {
        guard let value = try string(key) else { throw APIError(400, "missing field \"\(key)\"") }
        return value
    }

    /// nil when absent; refuses null (the field cannot be cleared).
    func string(_ key: String) throws(APIError) -> String? {
        guard let value = members[key] else { return nil }
        guard let text = value.stringValue else { throw typeError(key, "a string", value) }
        return text
    }

    /// nil when absent, `.some(nil)` for an explicit null (clear the field).
    func nullableString(_ key: String) throws(APIError) -> String?? {
        guard let value = members[key] else { return nil }
        if value == .null { return .some(nil) }
        guard let text = value.stringValue else { throw typeError(key, "a string or null", value) }
        return .some(text)
    }

    func nullableIPv4(_ key: String) throws(APIError) -> IPv4Address?? {
        guard let text = try nullableString(key) else { return nil }
        guard let text else { return .some(nil) }
        do { return .some(try IPv4Address(text)) } catch { throw APIError(400, "field \"\(key)\": \(error.description)") }
    }

    func labels(_ key: String) throws(APIError) -> [String: String]? {
        guard let value = members[key] else { return nil }
        guard let pairs = value.objectValue else { throw typeError(key, "an object of strings", value) }
        var labels: [String: String] = [:]
        for (name, member) in pairs {
            guard let text = member.stringValue else { throw APIError(400, "label \"\(name)\" must be a string, not \(member.typeName)") }
            labels[name] = text
        }
        return labels
    }

    func strings(_ key: String) throws(APIError) -> [String]? {
        guard let value = members[key] else { return nil }
        guard let items = value.arrayValue else { throw typeError(key, "an array of strings", value) }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw itemError(key, index, "a string", item) }
            strings.append(text)
        }
        return strings
    }

    func macs(_ key: String) throws(APIError) -> [MACAddress]? {
        guard let value = members[key] else { return nil }
        guard let items = value.arrayValue else { throw typeError(key, "an array of MAC addresses", value) }
        var macs: [MACAddress] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw itemError(key, index, "a MAC address string", item) }
            do { macs.append(try MACAddress(text)) } catch { throw APIError(400, "field \"\(key)\": \(error.description)") }
        }
        return macs
    }

    private func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> APIError {
        APIError(400, "field \"\(key)\" must be \(expected), not \(value.typeName)")
    }

    private func itemError(_ key: String, _ index: Int, _ expected: String, _ item: JSONValue) -> APIError {
        APIError(400, "field \"\(key)\": item \(index + 1) must be \(expected), not \(item.typeName)")
    }
}

extension JSONFields {
    func int(_ key: String) throws(APIError) -> Int? {
        guard let value = member(key) else { return nil }
        guard let number = value.intValue else { throw APIError(400, "field \"\(key)\" must be an integer, not \(value.typeName)") }
        return number
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let value = member(key) else { return nil }
        guard let flag = value.boolValue else { throw APIError(400, "field \"\(key)\" must be true or false, not \(value.typeName)") }
        return flag
    }
}
