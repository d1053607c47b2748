import Foundation

/// A directory of its own for one test under the system's temporary directory, removed when the
/// last reference goes (or earlier by `remove()`).
public final class TemporaryDirectory: Sendable {
    public let url: URL

    /// `inMemory`: under /dev/shm (tmpfs) when there is one, for the suites that boot QEMU
    /// machines (their disks, consoles and server data). Seen in a .ci/run here with them on the
    /// disk's ext4: guests stalled 6–12 s at a time (the kernel's "clocksource: Long readout
    /// interval", RCU stalls) while the deploying machines flushed their fresh 400 MB images, a
    /// deployed machine's systemd generators took 110 s (5 s alone) and logind and sshd failed
    /// their start timeouts. The likely cause (inferred, not traced): QEMU's fdatasync of the image
    /// holds ext4's journal commit, and each QEMU writes its serial console file from the vCPU's
    /// thread. The next run, on tmpfs, passed; its guests took 6–43 % less CPU (the machine was slow that evening in both runs).
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
