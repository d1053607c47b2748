/// How many connections (or TFTP transfers) one listener holds, in total and per source address,
/// as a value type: the listener asks before it serves, and tells when one ends. Pure, so the
/// decisions are table-tested without sockets (issue 12 §4: one client must never starve another,
/// and one plane never another).
///
/// When the listener is full and the caller may evict (HTTP: yes; a TFTP transfer cannot be cut),
/// a source holding fewer connections than the heaviest source by two or more still gets in, in
/// place of one of the heaviest source's connections: many idle connections from a few
/// addresses cannot lock a new client out, and evicting never turns the heaviest into a lighter
/// one than the newcomer.
public struct ConnectionBudget: Sendable, Equatable {
    public let total: Int
    public let perSource: Int
    /// Open connections by source address (the address text, without port).
    public private(set) var bySource: [String: Int] = [:]
    public private(set) var count = 0

    public enum Decision: Sendable, Equatable {
        case admit
        /// Admit, and close one connection of this source first (its count is already taken down).
        case admitEvicting(String)
        case refuse(Refusal)
    }

    public enum Refusal: String, Sendable, Equatable, CaseIterable {
        /// The source already holds `perSource` connections.
        case perSource = "over_address"
        /// The listener holds `total` connections and no source holds more than its share.
        case total = "over_listener"
    }

    /// Both limits at least 1.
    public init(total: Int, perSource: Int) {
        self.total = max(1, total)
        self.perSource = max(1, perSource)
    }

    /// Decides on a new connection from `source` and, unless refused, counts it.
    public mutating func admit(_ source: String, mayEvict: Bool) -> Decision {
        let held = bySource[source, default: 0]
        guard held < perSource else { return .refuse(.perSource) }
        guard count >= total else {
            add(source)
            return .admit
        }
        guard mayEvict, let (heaviest, heaviestCount) = bySource.max(by: { $0.value < $1.value }), heaviestCount >= held + 2 else {
            return .refuse(.total)
        }
        release(heaviest)
        add(source)
        return .admitEvicting(heaviest)
    }

    /// One connection from `source` ended; a source with none left is forgotten.
    public mutating func release(_ source: String) {
        guard let held = bySource[source] else { return }
        count -= 1
        bySource[source] = held > 1 ? held - 1 : nil
    }

    private mutating func add(_ source: String) {
        count += 1
        bySource[source, default: 0] += 1
    }
}
