import Wire

extension TemplateValue {
    /// A profile variable from JSON: strings, booleans, and lists or objects of them; numbers
    /// become their text. nil for null.
    public init?(json: JSONValue) {
        switch json {
        case .string(let text): self = .string(text)
        case .number(let text): self = .string(text)
        case .bool(let value): self = .bool(value)
        case .array(let items):
            var values: [TemplateValue] = []
            for item in items {
                guard let value = TemplateValue(json: item) else { return nil }
                values.append(value)
            }
            self = .list(values)
        case .object(let members):
            var values: [String: TemplateValue] = [:]
            for (key, member) in members {
                guard let value = TemplateValue(json: member) else { return nil }
                values[key] = value
            }
            self = .map(values)
        case .null:
            return nil
        }
    }
}
