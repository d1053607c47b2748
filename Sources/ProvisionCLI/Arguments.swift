/// Command-line words split into positionals and `--name value` / `--name=value` options, checked
/// against what a command accepts.
struct Arguments {
    private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// `valued`: options that take a value (may repeat); `switches`: options without one.
    init(_ words: [String], valued: Set<String>, switches: Set<String>) throws(CLIError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard (word.hasPrefix("--") && word != "--") || switches.contains(word) else {
                positionals.append(word)
                continue
            }
            var name = word
            var inline: String?
            if let equals = word.firstIndex(of: "=") {
                name = String(word[..<equals])
                inline = String(word[word.index(after: equals)...])
            }
            if switches.contains(name), inline == nil {
                flags.insert(name)
            } else if valued.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard index < words.count else { throw CLIError("option \(name) needs a value", usage: true) }
                    values[name, default: []].append(words[index])
                    index += 1
                }
            } else {
                throw CLIError("unknown option \(word)", usage: true)
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    func required(_ name: String) throws(CLIError) -> String {
        guard let value = value(name) else { throw CLIError("missing \(name)", usage: true) }
        return value
    }
}
