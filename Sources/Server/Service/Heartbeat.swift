import Dispatch
import Synchronization

/// When one plane last proved it is alive, on the monotonic clock: the DHCP and TFTP loops beat
/// on every turn (they wake at least every 250 ms), an HTTP listener when its accept queue runs a
/// probe. `ServiceHealth` reads the ages for `/healthz` and the systemd watchdog.
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
