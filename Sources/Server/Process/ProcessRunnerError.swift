import Glibc

/// Why a command could not be started (once started, its exit status is an outcome, not an error).
struct ProcessRunnerError: Error, Equatable, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    static func errno(_ what: String, _ code: Int32) -> ProcessRunnerError {
        ProcessRunnerError("\(what): \(String(cString: strerror(code)))")
    }
}
