import Boot
import Inventory
import Wire

/// The admin API's JSON forms of inventory records. The install token is never included.
enum MachineJSON {
    /// `facts`: nil leaves the member out (lists); `.some(nil)` says the machine has none.
    static func machine(_ machine: Machine, sighting: Sighting? = nil, facts: StoredFacts?? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
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
            ("seen", sighting.map(Self.sighting) ?? .null),
        ]
        if let facts { members.append(("facts", facts.map(Self.facts) ?? .null)) }
        return .object(members)
    }

    /// The facts document as the machine sent it (decoded and re-encoded), and when.
    static func facts(_ stored: StoredFacts) -> JSONValue {
        guard case .object(let members) = stored.facts.json else { return stored.facts.json }
        return .object(members + [("reportedAt", .string(stored.reportedAt))])
    }

    /// What the machine's DHCP requests said about it.
    static func sighting(_ sighting: Sighting) -> JSONValue {
        .object([
            ("arch", sighting.arch.map(JSONValue.int) ?? .null),
            ("uuid", optional(sighting.uuid)),
            ("vendorClass", optional(sighting.vendorClass)),
            ("userClass", optional(sighting.userClass)),
            ("relay", optional(sighting.relay?.description)),
            ("circuitId", optional(sighting.circuitID)),
            ("remoteId", optional(sighting.remoteID)),
            ("firstSeen", .string(sighting.firstSeen)),
            ("lastSeen", .string(sighting.lastSeen)),
        ])
    }

    /// `kernelVersion`: the build of the profile's kernel asset (AssetBuildVersion), when known.
    static func profile(_ profile: Profile, kernelVersion: String? = nil) -> JSONValue {
        .object([
            ("name", .string(profile.name)),
            ("description", .string(profile.description)),
            ("kernel", optional(profile.kernel)),
            ("kernelVersion", optional(kernelVersion)),
            ("initrd", .array(profile.initrds.map(JSONValue.string))),
            ("cmdline", .string(profile.cmdline)),
            ("userData", optional(profile.userData)),
            ("vendorData", optional(profile.vendorData)),
            ("networkConfig", optional(profile.networkConfig)),
            ("networkInterfaces", optional(profile.networkInterfaces)),
            ("variables", .array(profile.variables.keys.sorted().map(JSONValue.string))),
            ("image", profile.image.map { image in
                .object([("name", .string(image.image)), ("targetDisk", .string(image.targetDiskText)), ("wipe", .bool(image.wipe))])
            } ?? .null),
        ])
    }

    static func lease(_ lease: Lease) -> JSONValue {
        .object([
            ("ip", .string(lease.ip.description)),
            ("mac", .string(lease.mac.description)),
            ("clientId", optional(lease.clientID)),
            ("hostname", optional(lease.hostname)),
            ("state", .string(lease.state.rawValue)),
            ("expires", .string(Timestamp.format(seconds: lease.expires, milliseconds: 0))),
            ("updatedAt", .string(lease.updatedAt)),
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
