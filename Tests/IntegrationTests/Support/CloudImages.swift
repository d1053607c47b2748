import Foundation
import Glibc
import Testing

/// The Debian disk images with real cloud-init that the real-OS tests boot, made by
/// `scripts/build-cloud-image` (mmdebstrap, cached under /var/tmp/provisiond-images by a hash of
/// the recipe). Each dist is built at most once per test process; builds of different dists may
/// run at once.
enum CloudImage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    // Trixie first: its image builds faster (3–5 min here, against 6–7), so on a cold cache its
    // boots run while bookworm's image is still being built.
    /// Debian 13: cloud-init 25.x.
    case trixie
    /// Debian 12: cloud-init 22.4, the version in Debian 12's own cloud images.
    case bookworm

    var cloudInitMajor: Int { self == .bookworm ? 22 : 25 }
    /// The fifth octet of the test machines' MACs ("0c", "0d"), so each dist's are its own.
    var macOctet: String { self == .bookworm ? "0c" : "0d" }
    var testDescription: String { "\(rawValue) (cloud-init \(cloudInitMajor).x)" }

    struct Files: Sendable {
        let directory: String
        var disk: String { directory + "/disk.raw" }
        var kernel: String { directory + "/vmlinuz" }
        var initrd: String { directory + "/initrd.img" }
        /// `dist=...` and the cloud-init and kernel package versions.
        var versions: String { (try? String(contentsOfFile: directory + "/versions", encoding: .utf8)) ?? "" }
    }

    /// The partitioned, bootable form of the image that an image deploy writes to a disk
    /// (`scripts/build-disk-image`): GPT with a BIOS boot partition, an ESP and the root.
    struct Disk: Sendable {
        let directory: String
        /// 2 GiB, sparse.
        var raw: String { directory + "/disk-gpt.raw" }
        /// What `provisionctl image import` is given, as Debian ships its cloud images.
        var qcow2: String { directory + "/disk-gpt.qcow2" }
    }

    private static let builds = Builds()

    /// The image's files, building it first when the cache has none (minutes: mmdebstrap).
    func files() throws -> Files {
        Files(directory: try Self.builds.directory(script: "build-cloud-image", image: self, made: "disk.raw"))
    }

    /// The disk image, building it (and the image it is made from) first when the cache has none.
    func disk() throws -> Disk {
        Disk(directory: try Self.builds.directory(script: "build-disk-image", image: self, made: "disk-gpt.qcow2"))
    }

    /// Starts the build of every image in the background, so the second is ready when the first
    /// test is done with the first.
    static func prebuildAll() {
        for image in allCases {
            DispatchQueue.global().async { _ = try? image.files() }
        }
    }

    /// Runs `scripts/SCRIPT DIST`, which prints the cached directory holding `made`.
    fileprivate func build(script: String, made: String) throws -> String {
        let path = NetworkBootImages.repository.appendingPathComponent("scripts/" + script).path
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (environment["PATH"] ?? "")
        let started = Date()
        let result = try runProgram(URL(fileURLWithPath: "/bin/bash"), [path, rawValue], environment: environment)
        let directory = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0, FileManager.default.fileExists(atPath: directory + "/" + made) else {
            throw TestFailure("step \(script) \(rawValue): scripts/\(script) exited \(result.status): \(result.stderr.suffix(3000))")
        }
        print("CloudImages: \(script) \(rawValue) at \(directory) after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return directory
    }
}

/// One build per script and dist per process: later callers wait for the first one's result.
private final class Builds: @unchecked Sendable {
    private let lock = NSLock()
    private var locks: [String: NSLock] = [:]
    private var results: [String: Result<String, TestFailure>] = [:]

    func directory(script: String, image: CloudImage, made: String) throws -> String {
        let key = script + " " + image.rawValue
        let buildLock = lock.withLock { () -> NSLock in
            if let existing = locks[key] { return existing }
            let created = NSLock()
            locks[key] = created
            return created
        }
        return try buildLock.withLock {
            if let done = lock.withLock({ results[key] }) { return try done.get() }
            let result: Result<String, TestFailure>
            do { result = .success(try image.build(script: script, made: made)) } catch {
                result = .failure(error as? TestFailure ?? TestFailure("\(error)"))
            }
            lock.withLock { results[key] = result }
            return try result.get()
        }
    }
}
