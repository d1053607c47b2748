import Wire

/// Builds the JSON body of register, adopt and update from options.
enum MachineRequest {
    static func spec(_ arguments: Arguments, requireIdentity: Bool) throws(CLIError) -> [(String, JSONValue)] {
        var body: [(String, JSONValue)] = []
        if requireIdentity {
            body.append(("hostname", .string(try arguments.required("--hostname"))))
            body.append(("profile", .string(try arguments.required("--profile"))))
        } else {
            for key in ["hostname", "profile"] {
                if let value = arguments.value("--" + key) { body.append((key, .string(value))) }
            }
        }
        for key in ["role", "cluster", "ip"] {
            guard let value = arguments.value("--" + key) else { continue }
            // An empty value clears the field on update.
            body.append((key, value.isEmpty && !requireIdentity ? .null : .string(value)))
        }
        if let labels = try labels(arguments) { body.append(("labels", labels)) }
        let nics = arguments.all("--nic")
        if !nics.isEmpty {
            var items: [JSONValue] = []
            for nic in nics {
                do { items.append(.string(try MACAddress(nic).description)) } catch { throw CLIError(error.description) }
            }
            body.append(("nics", .array(items)))
        }
        return body
    }

    /// `--label K=V` options as a JSON object; nil when there are none.
    static func labels(_ arguments: Arguments) throws(CLIError) -> JSONValue? {
        let labels = arguments.all("--label")
        guard !labels.isEmpty else { return nil }
        var pairs: [(String, JSONValue)] = []
        for label in labels {
            guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
                throw CLIError("bad --label \"\(label)\": expected KEY=VALUE", usage: true)
            }
            pairs.append((String(label[..<equals]), .string(String(label[label.index(after: equals)...]))))
        }
        return .object(pairs)
    }
}
