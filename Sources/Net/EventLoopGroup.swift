import Glibc

/// One `EventLoop` per core (nginx's worker per core, in threads): the HTTP planes' connections
/// and the TFTP transfers' sockets are shared out among them, each owned by one loop for its
/// whole life.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]

    public init(count: Int, name: String, waitersLimit: Int = 32) {
        loops = (0..<max(1, count)).map { EventLoop(name: "\(name)-\($0)", waitersLimit: waitersLimit) }
    }

    /// The process's loops, one per online CPU, shared by every HTTP listener and TFTP transfer.
    public static let shared = EventLoopGroup(count: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), name: "http-loop")

    /// The loop holding the fewest connections and watched sockets: where a new one goes.
    public func leastLoaded() -> EventLoop {
        loops.min { $0.load.load(ordering: .relaxed) < $1.load.load(ordering: .relaxed) }!
    }
}
