import Foundation
import Wire

/// The public keys of `--ssh-key-file` files (authorized_keys style): one key a line, blank
/// lines and `#` comments skipped, every other line a key or an error naming file and line.
enum SSHKeyFile {
    static func keys(paths: [String]) throws(CLIError) -> [String] {
        var keys: [String] = []
        for path in paths {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIError("cannot read the SSH key file \(path)")
            }
            keys += try self.keys(in: text, path: path)
        }
        return keys
    }

    static func keys(in text: String, path: String) throws(CLIError) -> [String] {
        var keys: [String] = []
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            do throws(SSHPublicKeyError) {
                keys.append(try SSHPublicKey(trimmed).description)
            } catch {
                throw CLIError("\(path) line \(index + 1): \(error)")
            }
        }
        guard !keys.isEmpty else { throw CLIError("\(path) holds no SSH public key") }
        return keys
    }
}
