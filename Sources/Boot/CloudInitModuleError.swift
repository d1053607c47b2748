/// One entry of cloud-init's error list, made readable: the module that failed and what it said.
public struct CloudInitModuleError: Equatable, Sendable {
    /// cloud-init's module name (`package_update_upgrade_install`, `scripts_user`); nil when the
    /// entry is not a module's failure (a whole stage that crashed).
    public let module: String?
    /// One line, condensed: for a command, which one, its exit code and the error lines of its
    /// stderr.
    public let message: String

    /// The longest message kept, so one chatty command cannot crowd out the others.
    public static let messageLimit = 400

    public init(module: String?, message: String) {
        self.module = module
        self.message = message
    }

    /// An entry as cloud-init writes it: `str((name, exception))` of each module that raised
    /// (stages.Modules._run_modules collects `(name, e)`; cmd/main.py stores `str()` of each),
    /// e.g. `('scripts_user', RuntimeError('Runparts: 1 failures (runcmd) in 1 attempted
    /// commands'))`. Anything else is kept as its text.
    public init(reported text: String) {
        guard let (module, exception) = Self.moduleAndException(text[...]) else {
            self.init(module: nil, message: EventText.line(text, limit: Self.messageLimit))
            return
        }
        let (className, message) = Self.classAndMessage(exception)
        let readable = message.map(Self.condensed) ?? ""
        self.init(module: module, message: EventText.line(readable.isEmpty ? className : readable, limit: Self.messageLimit))
    }

    /// `module: message`, or the message alone.
    public var description: String { module.map { "\($0): \(message)" } ?? message }

    /// `('NAME', REST)` → NAME and REST.
    private static func moduleAndException(_ text: Substring) -> (String, Substring)? {
        guard text.hasPrefix("('"), text.hasSuffix(")"), let end = text.firstRange(of: "', ") else { return nil }
        let name = text[text.index(text.startIndex, offsetBy: 2)..<end.lowerBound]
        guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") })
        else { return nil }
        return (String(name), text[end.upperBound...].dropLast())
    }

    /// `ClassName('message', ...)` → the class and its first argument when that is a string.
    private static func classAndMessage(_ exception: Substring) -> (String, String?) {
        guard let open = exception.firstIndex(of: "("), exception.hasSuffix(")") else { return (String(exception), String(exception)) }
        let className = String(exception[..<open])
        let arguments = exception[exception.index(after: open)...].dropLast()
        if arguments.isEmpty { return (className, nil) }
        if let (message, rest) = PythonRepr.stringLiteral(arguments), rest.isEmpty || rest.hasPrefix(",") { return (className, message) }
        return (className, String(arguments))
    }

    /// cloud-init's ProcessExecutionError (cloudinit/subp.py) reads "Unexpected error while
    /// running command.\nCommand: [...]\nExit code: N\nReason: ...\nStdout: ...\nStderr: ...":
    /// kept as the command, its exit code and the lines that say what went wrong. Other
    /// messages stay as they are.
    static func condensed(_ message: String) -> String {
        guard let command = field("Command: ", in: message), let exitCode = field("Exit code: ", in: message) else { return message }
        let words = PythonRepr.stringList(command[...]).map { words in
            // apt's --option=Dpkg::... words say nothing about what failed.
            words.filter { !$0.hasPrefix("--option=") }.joined(separator: " ")
        } ?? command
        let shown = EventText.line(words, limit: 120)
        let stderr = block("\nStderr: ", in: message)
        let stdout = block("\nStdout: ", upTo: "\nStderr: ", in: message)
        let why = essence(stderr) ?? essence(stdout) ?? field("Reason: ", in: message).flatMap { $0 == "-" ? nil : $0 }
        let head = exitCode == "-" ? "\(shown) failed" : "\(shown) exited \(exitCode)"
        return why.map { "\(head): \($0)" } ?? head
    }

    /// The rest of the line after `label`.
    private static func field(_ label: String, in message: String) -> String? {
        guard let range = message.firstRange(of: label) else { return nil }
        return String(message[range.upperBound...].prefix { $0 != "\n" })
    }

    /// Everything after `label` (up to `end` when given).
    private static func block(_ label: String, upTo end: String? = nil, in message: String) -> String {
        guard let range = message.firstRange(of: label) else { return "" }
        let rest = message[range.upperBound...]
        if let end, let stop = rest.firstRange(of: end) { return String(rest[..<stop.lowerBound]) }
        return String(rest)
    }

    /// apt's `E:` lines when there are any, else the last two lines; nil for `-` (empty).
    private static func essence(_ output: String) -> String? {
        let lines = output.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty && $0 != "-" }
        guard !lines.isEmpty else { return nil }
        let errors = lines.filter { $0.hasPrefix("E: ") }
        return (errors.isEmpty ? Array(lines.suffix(2)) : errors).joined(separator: "; ")
    }
}

private extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
