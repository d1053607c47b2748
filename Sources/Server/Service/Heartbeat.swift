import Dispatch
import Synchronization

/// When one plane last proved it is alive, on the monotonic clock: each plane (DHCP, TFTP, the
/// HTTP listeners) beats when its queue runs a probe. `ServiceHealth` reads the ages for `/healthz` and the systemd watchdog.
public final class Heartbeat: Sendable {
    public let plane: String
    private let last: Mutex<UInt64>

    public init(plane: String) {
        self.plane = plane
        last = Mutex(DispatchTime.now().uptimeNanoseconds)
    }

    public func beat() {
        let now = DispatchTime.now().uptimeNanoseconds
        last.withLock { $0 = now }
    }

    /// Seconds since the last beat.
    public var age: Double {
        let then = last.withLock { $0 }
        return Double(DispatchTime.now().uptimeNanoseconds &- then) / 1e9
    }
}
