import Net
import Synchronization

/// The open sessions of one HTTP server under its `ConnectionBudget`: admits or refuses each new
/// one, picks the connection to evict when the budget says so (the oldest of that source), and
/// lets shutdown close them all.
final class ConnectionRegistry: Sendable {
    enum Admission {
        /// The new connection's session, to start; and one admitted before that this one
        /// replaces, already taken off the books: close it.
        case admit(HTTPSession, evicted: HTTPSession?)
        case refuse(ConnectionBudget.Refusal)
    }

    private struct State {
        var budget: ConnectionBudget
        /// Sessions by source address, oldest first.
        var bySource: [String: [HTTPSession]] = [:]
    }

    private let state: Mutex<State>

    init(budget: ConnectionBudget) { state = Mutex(State(budget: budget)) }

    /// Decides on `connection`; the session is made only for an admitted one.
    func admit(_ connection: TCPConnection, session makeSession: (TCPConnection) -> HTTPSession) -> Admission {
        let source = connection.peer.hostText
        return state.withLock { state in
            var evicted: HTTPSession?
            switch state.budget.admit(source, mayEvict: true) {
            case .refuse(let reason):
                return .refuse(reason)
            case .admitEvicting(let victimSource):
                evicted = state.bySource[victimSource]?.removeFirst()
                if state.bySource[victimSource]?.isEmpty == true { state.bySource[victimSource] = nil }
            case .admit:
                break
            }
            let session = makeSession(connection)
            state.bySource[source, default: []].append(session)
            return .admit(session, evicted: evicted)
        }
    }

    /// A session ended; one already evicted is no longer counted.
    func remove(_ session: HTTPSession) {
        let source = session.connection.peer.hostText
        state.withLock { state in
            guard let index = state.bySource[source]?.firstIndex(where: { $0 === session }) else { return }
            state.bySource[source]?.remove(at: index)
            if state.bySource[source]?.isEmpty == true { state.bySource[source] = nil }
            state.budget.release(source)
        }
    }

    func closeAll() {
        let open = state.withLock { $0.bySource.values.flatMap { $0 } }
        for session in open { session.connection.loop.sync { session.connection.close() } }
    }
}
