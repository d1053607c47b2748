import Foundation
import Glibc
import Inventory

/// The admin API's bearer token, kept in `admin.token` in the data directory: made on first
/// start with mode 0600, read on later ones.
public struct AdminToken: Sendable {
    private let secret: [UInt8]

    init(secret: String) { self.secret = Array(secret.utf8) }

    /// Reads the token file, creating it (O_EXCL, 0600) if it does not exist.
    public static func loadOrCreate(path: String, log: Logger) throws(StartupError) -> AdminToken {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            let token = Secrets.hex(bytes: 32)
            let line = token + "\n"
            let written = line.withCString { write(fd, $0, strlen($0)) }
            let synced = fsync(fd) == 0
            close(fd)
            guard written == line.utf8.count, synced else {
                unlink(path)
                throw StartupError("cannot write admin token \(path): \(String(cString: strerror(errno)))")
            }
            log.info("admin-token-created", ["path": path])
            return AdminToken(secret: token)
        }
        guard errno == EEXIST else { throw StartupError("cannot create admin token \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
            log.warning("admin-token-permissions", ["path": path, "mode": String(info.st_mode & 0o777, radix: 8), "hint": "chmod 600"])
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StartupError("cannot read admin token \(path): \(String(cString: strerror(errno)))")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.utf8.count >= 16 else { throw StartupError("admin token \(path) is shorter than 16 characters: delete it to make a new one") }
        return AdminToken(secret: token)
    }

    /// Checks an `Authorization: Bearer ...` header in time that does not depend on where the
    /// given token first differs.
    func authorizes(_ header: String?) -> Bool {
        guard let header, header.lowercased().hasPrefix("bearer ") else { return false }
        return ConstantTime.equal(header.utf8.dropFirst(7), secret)
    }
}
