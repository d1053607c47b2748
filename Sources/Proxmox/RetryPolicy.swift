/// Whether a failed call is tried again and after how long. PVE answers a config lock held by
/// another task with `can't lock file '/var/lock/qemu-server/lock-N.conf' - got timeout`
/// (PVE::Tools::lock_file after 10 s) and a guest in backup, clone, migrate... with
/// `VM is locked (KIND)`: both pass once the other task ends, so they are retried with
/// exponential back-off. Anything else is final.
public struct RetryPolicy: Equatable, Sendable {
    public var attempts: Int
    public var firstDelay: Double
    public var maximumDelay: Double

    public init(attempts: Int = 6, firstDelay: Double = 1, maximumDelay: Double = 30) {
        self.attempts = attempts
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
    }

    /// Seconds to wait before attempt `attempt + 1` (attempts count from 1), or nil to give up.
    public func delay(after error: ProxmoxError, attempt: Int) -> Double? {
        guard attempt < attempts, Self.isLockContention(error) else { return nil }
        var delay = firstDelay
        for _ in 1..<attempt { delay *= 2 }
        return min(delay, maximumDelay)
    }

    public static func isLockContention(_ error: ProxmoxError) -> Bool {
        let text: String
        switch error {
        case .api(_, let message, _): text = message
        case .taskFailed(_, let exitStatus, _): text = exitStatus
        default: return false
        }
        return text.contains("VM is locked") || (text.contains("can't lock file") && text.contains("got timeout"))
    }
}
