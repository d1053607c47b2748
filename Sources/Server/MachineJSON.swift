import Inventory
import Wire

/// The admin API's JSON forms of inventory records. The install token is never included.
enum MachineJSON {
    static func machine(_ machine: Machine) -> JSONValue {
        .object([
            ("mac", .string(machine.mac.description)),
            ("hostname", optional(machine.hostname)),
            ("profile", optional(machine.profile)),
            ("role", optional(machine.role)),
            ("cluster", optional(machine.cluster)),
            ("ip", optional(machine.ip?.description)),
            ("state", .string(machine.state.rawValue)),
            ("instanceId", .string(machine.instanceID)),
            ("labels", .object(machine.labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("nics", .array(machine.nics.map { .string($0.description) })),
            ("createdAt", .string(machine.createdAt)),
            ("updatedAt", .string(machine.updatedAt)),
        ])
    }

    static func event(_ event: MachineEvent) -> JSONValue {
        .object([
            ("id", .number(String(event.id))),
            ("at", .string(event.at)),
            ("event", .string(event.event)),
            ("from", optional(event.from?.rawValue)),
            ("to", optional(event.to?.rawValue)),
            ("source", .string(event.source)),
            ("detail", .string(event.detail)),
        ])
    }

    private static func optional(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }
}
