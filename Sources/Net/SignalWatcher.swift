import Glibc

/// Shutdown signals taken synchronously with sigwait(3) on the main thread, so shutdown runs as
/// ordinary code rather than inside an async-signal handler, and no signal is ever lost.
///
/// A Dispatch signal source cannot promise that: it wants the signal set to SIG_IGN first and arms
/// itself later on Dispatch's manager thread, so a SIGTERM arriving in between (a service manager
/// or a test stopping a daemon that has just started) was discarded and the process ran on.
/// A blocked signal instead stays pending from the moment it is sent until `next` takes it.
public enum SignalWatcher {
    /// Blocks `signals` in the calling thread and in every thread it starts afterwards. Call it
    /// first thing in `main`, before any thread exists (Dispatch's worker threads block every
    /// asynchronous signal themselves). Children inherit the mask: spawn them with an empty one.
    public static func block(_ signals: [Int32]) {
        var set = Self.set(signals)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Waits until one of `signals` (blocked beforehand) is pending and takes it.
    public static func next(of signals: [Int32]) -> Int32 {
        var set = Self.set(signals)
        var number: Int32 = 0
        // sigwait returns an error number only for an invalid set; EINTR cannot occur (POSIX).
        while sigwait(&set, &number) != 0 {}
        return number
    }

    private static func set(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        return set
    }
}

/// sd_notify(3) without libsystemd: one datagram to `$NOTIFY_SOCKET` (Type=notify units).
public enum SystemdNotifier {
    /// Sends `state` (e.g. `READY=1`); does nothing when not started by systemd.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard let path = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        // A leading '@' names an abstract socket: its first byte is NUL.
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                state.withCString { sendto(fd, $0, strlen($0), Int32(MSG_NOSIGNAL), pointer, length) }
            }
        }
        return sent >= 0
    }
}
