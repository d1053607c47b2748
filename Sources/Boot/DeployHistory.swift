import Model

/// What a machine's timeline says about its deploy (issue 14): whether it is being reimaged (which
/// permits overwriting a disk that holds data) and which progress steps were recorded. Read from
/// the inventory's events, so a restart of provisiond changes neither.
public enum DeployHistory {
    /// Recorded when the server hands the environment its plan: a deploy's progress counts from it.
    public static let plannedEvent = "deploy-planned"
    public static let progressEvent = "deploy-progress"

    /// True when the event that last moved the machine into `registered` was an operator's
    /// `reimage` (not its registration or adoption): it is being installed again, on purpose.
    public static func reimaging(_ events: [MachineEvent]) -> Bool {
        events.last { $0.to == .registered && $0.from != .registered }?.event == LifecycleEvent.reimage.rawValue
    }

    /// The progress step (0, 10, … 100) to record for `percent`, or nil when that step or a later
    /// one was recorded since the last plan: at most 11 events a deploy, repeats ignored.
    public static func progressStep(percent: Int, events: [MachineEvent]) -> Int? {
        let step = percent / 10 * 10
        let sincePlan = events.reversed().prefix { $0.event != plannedEvent }
        let recorded = sincePlan.filter { $0.event == progressEvent }.compactMap { Int($0.detail.prefix { $0 != " " }) }
        return recorded.contains { $0 >= step } ? nil : step
    }

    /// The detail of a progress event: it starts with the step.
    public static func progressDetail(step: Int, image: String, disk: String) -> String {
        "\(step) % of image \(image) written to \(disk)"
    }
}
