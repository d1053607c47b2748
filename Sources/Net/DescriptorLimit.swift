import Glibc

/// The process's open-file limit (RLIMIT_NOFILE). Many distributions start services with a soft
/// limit of 1,024 and a far higher hard one; a server holding a socket per client should use
/// what it is allowed.
public enum DescriptorLimit {
    /// The soft limit now.
    public static var current: Int {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        return Int(clamping: limit.rlim_cur)
    }

    /// Raises the soft limit to the hard one; returns the soft limit before and after (the same
    /// when it already was the hard limit or the kernel refused).
    @discardableResult
    public static func raiseToHard() -> (old: Int, new: Int) {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (current, current) }
        let old = Int(clamping: limit.rlim_cur)
        guard limit.rlim_cur < limit.rlim_max else { return (old, old) }
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resource, &limit) == 0 else { return (old, old) }
        return (old, Int(clamping: limit.rlim_max))
    }

    /// Glibc imports RLIMIT_NOFILE as a case of the C enum `__rlimit_resource`; getrlimit takes its raw value.
    private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
}
