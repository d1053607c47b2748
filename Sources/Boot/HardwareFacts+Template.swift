import Model
import Wire

extension HardwareFacts {
    /// What templates see as `facts` (e.g. `{{ facts.cpu.cores }}`, `{% for disk in facts.disks %}`):
    /// the document's members by their JSON names; numbers as their text, unknown values (null)
    /// as the empty string, which is false in a condition.
    public var templateValue: TemplateValue { Self.templateValue(json) }

    private static func templateValue(_ value: JSONValue) -> TemplateValue {
        switch value {
        case .null: .string("")
        case .string(let text), .number(let text): .string(text)
        case .bool(let flag): .bool(flag)
        case .array(let items): .list(items.map(templateValue))
        case .object(let members): .map(Dictionary(members.map { ($0.0, templateValue($0.1)) }, uniquingKeysWith: { $1 }))
        }
    }
}
