import Glibc

/// UTC timestamps as RFC 3339 text with milliseconds, e.g. `2026-11-21T23:40:00.123Z`: sortable
/// as text in SQL and readable in `sqlite3`.
public enum Timestamp {
    public static func now() -> String { format(milliseconds: unixMilliseconds()) }

    /// Milliseconds since the Unix epoch: a time to keep as a number and format later.
    public static func unixMilliseconds() -> Int {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return spec.tv_sec * 1000 + spec.tv_nsec / 1_000_000
    }

    public static func format(milliseconds: Int) -> String { format(seconds: milliseconds / 1000, milliseconds: milliseconds % 1000) }

    /// Seconds since the Unix epoch, as lease expiry times are kept.
    public static func unixNow() -> Int { Int(time(nil)) }

    public static func format(seconds: Int, milliseconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(milliseconds), 3))Z"
    }
}
