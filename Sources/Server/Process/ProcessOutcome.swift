/// How a command run by `ProcessRunner` ended, with the last lines it wrote.
struct ProcessOutcome: Equatable, Sendable {
    enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signaled(Int32)
        /// Ran past its time limit and was stopped (SIGTERM to its process group, then SIGKILL).
        case timedOut(seconds: Double)
    }

    let termination: Termination
    /// The last lines of its stdout and stderr, oldest first.
    let tail: [String]

    var succeeded: Bool { termination == .exited(0) }

    /// e.g. `exit 2`, `signal 9`, `timed out after 5 s`.
    var status: String {
        switch termination {
        case .exited(let code): "exit \(code)"
        case .signaled(let number): "signal \(number)"
        case .timedOut(let seconds): "timed out after \(seconds.formatted) s"
        }
    }

    /// The last `count` non-empty lines of `text`, each cut to `width` characters.
    static func tail(of text: String, count: Int, width: Int = 300) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).filter { !$0.allSatisfy(\.isWhitespace) }
            .suffix(count).map { $0.count > width ? String($0.prefix(width)) + "…" : String($0) }
    }
}

extension Double {
    /// 5 → "5", 0.25 → "0.25".
    var formatted: String { self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self) }
}
