import Boot
import Inventory

/// What the boot plane serves a machine: the decision for its state, the profile an install uses,
/// and why an install was refused when it was (recorded as `boot-refused`).
struct BootPlan {
    /// Nil for a MAC the inventory does not know (and that was not recorded).
    var machine: Machine?
    var decision: BootDecision
    var profile: CompiledProfile?
    var refusal: String?
}
