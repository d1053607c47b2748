import Wire

/// The bodies provisiond sends to a Redfish BMC, and the choice of reset type per step.
public enum RedfishRequests {
    /// ResetTypes in the order tried for each step (DSP0268 Resource.ResetType). `On` and
    /// `ForceOff` are what every BMC seen has; `PowerCycle` (a real off/on, through firmware) is
    /// preferred over `ForceRestart`, which some BMCs implement as a warm reset.
    static let preferences: [PowerStep: [String]] = [
        .on: ["On", "ForceOn"],
        .off: ["ForceOff", "GracefulShutdown"],
        .cycle: ["PowerCycle", "ForceRestart", "GracefulRestart"],
    ]

    /// The ResetType for a step among those the BMC allows (all of them when it lists none).
    public static func resetType(for step: PowerStep, allowed: [String]?) throws(PowerError) -> String {
        let wanted = preferences[step] ?? []
        guard let allowed else {
            guard let first = wanted.first else { throw .invalid("\(step.rawValue) is not a reset") }
            return first
        }
        guard let type = wanted.first(where: allowed.contains) else {
            throw .unsupported("the BMC allows the reset types \(allowed.joined(separator: ", ")), none of \(wanted.joined(separator: ", ")) for \(step.rawValue)")
        }
        return type
    }

    public static func reset(_ type: String) -> JSONValue {
        .object([("ResetType", .string(type))])
    }

    /// The PATCH of the ComputerSystem that boots from the network once. The mode is sent as the
    /// BMC reports it, so the override does not flip the firmware between UEFI and Legacy (some
    /// BMCs reset an omitted mode to their default); a BMC without the property gets none.
    public static func bootFromNetworkOnce(mode: String?) -> JSONValue {
        var boot: [(String, JSONValue)] = [
            ("BootSourceOverrideTarget", .string("Pxe")),
            ("BootSourceOverrideEnabled", .string("Once")),
        ]
        if let mode { boot.append(("BootSourceOverrideMode", .string(mode))) }
        return .object([("Boot", .object(boot))])
    }

    /// The session login body (DSP0266 §13.3.4: POST to the SessionService's Sessions).
    public static func session(user: String, password: String) -> JSONValue {
        .object([("UserName", .string(user)), ("Password", .string(password))])
    }
}
