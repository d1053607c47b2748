import Boot
import Inventory
import Synchronization
import Wire

/// Rendered templates by machine: a machine that fetches the same payload or boot script again
/// (iPXE retrying, cloud-init at every boot, a poller) gets last time's text when nothing a render
/// reads has changed: the machine's row, its cluster, its facts, the profile's compilation (a
/// reload makes a new one) and the server URL. An entry is used only when all of them are equal
/// to what is stored with it, so a cached text is byte for byte what a render gives. Only the
/// render is skipped: the lookups, the origin check and the transitions run on every request.
/// Bounded: at `capacity` entries the cache starts again empty, so made-up MACs cannot grow it.
final class RenderCache: Sendable {
    /// Everything a render of one machine reads.
    struct Inputs: Equatable, Sendable {
        var machine: Machine
        var cluster: Cluster?
        var facts: HardwareFacts?
        var compilation: Int
        var serverURL: String
    }

    private struct Key: Hashable {
        let mac: MACAddress
        let what: String
    }

    private let entries = Mutex<[Key: (inputs: Inputs, text: String?)]>([:])
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// The text `render` gives for `inputs`: stored from an earlier call with equal inputs, or
    /// rendered now (and stored). `what` names the template (a payload, `cmdline`). A render that
    /// fails is not stored: its next request renders again and reports the error again.
    func text(_ what: String, _ inputs: Inputs, render: () throws(TemplateError) -> String?) throws(TemplateError) -> String? {
        let key = Key(mac: inputs.machine.mac, what: what)
        if let entry = entries.withLock({ $0[key] }), entry.inputs == inputs { return entry.text }
        let text = try render()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = (inputs, text)
        }
        return text
    }

    var count: Int { entries.withLock { $0.count } }
}
