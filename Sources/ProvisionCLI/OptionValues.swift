import Foundation
import Wire

/// Option values read or checked the same way by every command: files given by path (a CA, a
/// secret) and whole numbers.
enum OptionValues {
    static func file(_ path: String) throws(CLIError) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)") }
        return text
    }

    /// A secret file's first line, without the line break: secrets never go in argv, where `ps`
    /// and shell histories show them.
    static func secret(_ path: String) throws(CLIError) -> String {
        let text = try file(path).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw CLIError("\(path) is empty") }
        return text
    }

    static func integer(_ text: String, _ option: String) throws(CLIError) -> JSONValue {
        guard let number = Int(text) else { throw CLIError("\(option) takes a whole number, not \"\(text)\"", usage: true) }
        return .int(number)
    }
}
