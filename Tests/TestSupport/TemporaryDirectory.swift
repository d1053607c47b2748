import Foundation

/// A directory of its own for one test under the system's temporary directory, removed when the
/// last reference goes (or earlier by `remove()`).
public final class TemporaryDirectory: Sendable {
    public let url: URL

    /// `inMemory`: under /dev/shm (tmpfs) when there is one, for the suites that boot QEMU
    /// machines (their disks, consoles and server data): a deploy's 400 MB images and the guests'
    /// flushes then never wait on the host's disk. Moved here after a .ci/run in which guests
    /// stalled 6–12 s at a time (the kernel's "clocksource: Long readout interval") while the
    /// deploying machines flushed their images; that was a guess at the cause, and a later run on
    /// tmpfs stalled the same way (what helped: scripts/test runs the two long machine suites one
    /// after the other). Kept: the guests took 6–43 % less CPU in the run after it.
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
