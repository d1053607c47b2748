/// What the process's own `/proc/self/status` says about it (proc(5)): resident memory and
/// threads. Parsed here, read by the caller.
public struct ProcessStatus: Sendable, Equatable {
    public var residentBytes: Double?
    public var threads: Double?

    public init(residentBytes: Double?, threads: Double?) {
        self.residentBytes = residentBytes
        self.threads = threads
    }

    /// Reads the `VmRSS:` (kB) and `Threads:` lines; a line missing or malformed stays nil.
    public init(statusText: String) {
        for line in statusText.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let value = Double(fields[1]) else { continue }
            switch fields[0] {
            case "VmRSS:": residentBytes = value * 1024
            case "Threads:": threads = value
            default: break
            }
        }
    }
}
