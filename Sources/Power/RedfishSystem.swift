import Wire

/// What provisiond reads of a Redfish ComputerSystem (DSP0268 ComputerSystem v1.x): its power,
/// where its reset action is and which reset types it takes, and its boot override settings.
public struct RedfishSystem: Equatable, Sendable {
    public let powerState: PowerState
    /// `Actions.#ComputerSystem.Reset.target`: the URI to POST a reset to.
    public let resetTarget: String
    /// `ResetType@Redfish.AllowableValues`; nil when the BMC does not list them (the schema then
    /// allows every ResetType, though a BMC may still refuse one).
    public let allowedResetTypes: [String]?
    /// `Boot.BootSourceOverrideMode` (`UEFI` / `Legacy`) when the BMC has the property (added in
    /// ComputerSystem v1.1; older BMCs reject a PATCH that names it).
    public let bootOverrideMode: String?
    /// `Boot.BootSourceOverrideTarget@Redfish.AllowableValues`, when listed.
    public let allowedBootTargets: [String]?

    public init(_ json: JSONValue) throws(PowerError) {
        guard case .object = json else { throw .malformed("the ComputerSystem is a JSON \(json.typeName), not an object") }
        guard let power = json["PowerState"]?.stringValue else {
            throw .malformed("the ComputerSystem has no PowerState")
        }
        powerState = Self.powerState(power)
        guard let reset = json["Actions"]?["#ComputerSystem.Reset"], let target = reset["target"]?.stringValue else {
            throw .unsupported("the BMC's ComputerSystem has no #ComputerSystem.Reset action: it cannot switch the power")
        }
        resetTarget = target
        allowedResetTypes = reset["ResetType@Redfish.AllowableValues"]?.arrayValue?.compactMap(\.stringValue)
        let boot = json["Boot"]
        bootOverrideMode = boot?["BootSourceOverrideMode"]?.stringValue
        allowedBootTargets = boot?["BootSourceOverrideTarget@Redfish.AllowableValues"]?.arrayValue?.compactMap(\.stringValue)
    }

    static func powerState(_ value: String) -> PowerState {
        switch value {
        case "On": .on
        case "Off": .off
        case "PoweringOn": .poweringOn
        case "PoweringOff": .poweringOff
        default: .other(value)
        }
    }
}
