import Foundation

/// A directory of its own for one test under the system's temporary directory, removed when the
/// last reference goes (or earlier by `remove()`).
public final class TemporaryDirectory: Sendable {
    public let url: URL

    /// `inMemory`: under /dev/shm (tmpfs) when there is one, for the suites that boot QEMU
    /// machines (their disks, consoles and server data). On a disk's ext4, a guest's flush makes
    /// QEMU fdatasync a freshly written 400 MB image; the journal commit then writes it all, and
    /// every other QEMU appending to its console file (the serial port is written from the vCPU's
    /// thread) waits for that commit: in .ci/run here guests stalled 6–12 s at a time (the
    /// kernel's "clocksource: Long readout interval", RCU stalls), systemd's generators took 110
    /// s instead of 5 and its start timeouts failed logind and sshd on a deployed machine.
    public init(inMemory: Bool = false) throws {
        let base = inMemory && Self.isWritableDirectory("/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        url = base.appendingPathComponent("provisiond-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    private static func isWritableDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.isWritableFile(atPath: path)
    }

    deinit { remove() }

    public var path: String { url.path }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` to `name` inside the directory; returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}
