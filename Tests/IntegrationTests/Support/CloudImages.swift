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

    private static let builds = Builds()

    /// The image's files, building it first when the cache has none (minutes: mmdebstrap).
    func files() throws -> Files {
        try Self.builds.files(self)
    }

    /// Starts the build of every image in the background, so the second is ready when the first
    /// test is done with the first.
    static func prebuildAll() {
        for image in allCases {
            DispatchQueue.global().async { _ = try? image.files() }
        }
    }

    fileprivate func build() throws -> Files {
        let script = NetworkBootImages.repository.appendingPathComponent("scripts/build-cloud-image")
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (environment["PATH"] ?? "")
        let started = Date()
        let result = try runProgram(URL(fileURLWithPath: "/bin/bash"), [script.path, rawValue], environment: environment)
        let directory = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard result.status == 0, FileManager.default.fileExists(atPath: directory + "/disk.raw") else {
            throw TestFailure("step build-image \(rawValue): scripts/build-cloud-image exited \(result.status): \(result.stderr.suffix(3000))")
        }
        print("CloudImages: \(rawValue) at \(directory) after \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        return Files(directory: directory)
    }
}

/// One build per dist per process: later callers wait for the first one's result.
private final class Builds: @unchecked Sendable {
    private let lock = NSLock()
    private var locks: [CloudImage: NSLock] = [:]
    private var results: [CloudImage: Result<CloudImage.Files, TestFailure>] = [:]

    func files(_ image: CloudImage) throws -> CloudImage.Files {
        let imageLock = lock.withLock { () -> NSLock in
            if let existing = locks[image] { return existing }
            let made = NSLock()
            locks[image] = made
            return made
        }
        return try imageLock.withLock {
            if let done = lock.withLock({ results[image] }) { return try done.get() }
            let result: Result<CloudImage.Files, TestFailure>
            do { result = .success(try image.build()) } catch {
                result = .failure(error as? TestFailure ?? TestFailure("\(error)"))
            }
            lock.withLock { results[image] = result }
            return try result.get()
        }
    }
}
