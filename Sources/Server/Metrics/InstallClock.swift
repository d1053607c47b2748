import Dispatch
import Inventory
import Synchronization
import Wire

/// Times installs for `provisiond_install_duration_seconds`: a machine's install starts when it
/// gets its install script (`boot-install`), or for a cloud image that goes straight to
/// `installing`, at its first user-data fetch; it ends at its phone-home. Starts live in memory:
/// an install running across a restart is not timed.
final class InstallClock: Sendable {
    private let starts = Mutex<[MACAddress: UInt64]>([:])

    /// The install's duration in seconds when `change` ends one, after noting any start.
    func duration(after change: InventoryChange) -> Double? {
        guard change.kind == .transitioned || change.kind == .deleted else { return nil }
        let mac = change.machine.mac
        let now = DispatchTime.now().uptimeNanoseconds
        return starts.withLock { starts in
            switch (change.kind, change.previous?.state, change.machine.state) {
            case (.transitioned, _, .booting), (.transitioned, .registered?, .installing):
                starts[mac] = now
                return nil
            case (.transitioned, _, .installed):
                return starts.removeValue(forKey: mac).map { Double(now - $0) / 1_000_000_000 }
            case (.transitioned, _, .installing):
                return nil
            default:
                // Failed, reimaged, retired or deleted: that install will not phone home.
                starts.removeValue(forKey: mac)
                return nil
            }
        }
    }
}
