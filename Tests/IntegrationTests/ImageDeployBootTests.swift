import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// Issue 14 end to end, nothing simulated: bare QEMU machines (TCG) with blank disks power on
/// against one release `provisiond` (`CloudImageRig`: DHCP full mode, the deploy environment as
/// assets, the image-kind profile as shipped with this test's user and key) and end as a running
/// Debian 12 with real cloud-init 22.4. The image is the rig's own partitioned disk
/// (`scripts/build-disk-image`: GPT, BIOS boot partition, ESP, ext4 root, GRUB for both
/// firmware kinds), imported as qcow2 with `provisionctl image import`.
/// - SeaBIOS with a blank virtio disk and OVMF with a blank SATA disk: DHCP → iPXE → deploy
///   environment → facts → image written, progress, sha256 read back → the seed file → reboot
///   in the same QEMU → iPXE gets `exit 1` → GRUB from the disk → the image's cloud-init
///   fetches provisiond's NoCloud URL → report → `ready`; an SSH login with the profile's key
///   answers with the machine's hostname. Each prints its seconds from power-on to `ready`.
/// - SeaBIOS with a disk that already holds a partition table (the profile says no `wipe`):
///   `failed` with "disk … holds data", its disk file byte for byte as before.
/// - SeaBIOS with a blank disk and an image with one byte flipped after import: the whole image
///   is written, its read-back sha256 differs, `failed` at verification.
/// All four boot at once (one test, one provisiond): the machine suites share two cores.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ImageDeployBootTests {
    static let image = CloudImage.bookworm
    static let imageName = "debian-12"
    static let flippedName = "debian-12-flipped"
    /// Bounds, not expectations: power-on to `ready` takes about 3 min alone here (TCG).
    static let readySeconds: Double = 720
    static let failedSeconds: Double = 600
    /// The blank disks: bigger than the 2 GiB image, so `smallest` has room and the tail stays a hole.
    static let diskBytes: off_t = 3 << 30

    @Test func bareMachinesDeployTheImageAndBootIntoIt() throws {
        let files = try Self.image.files()
        let disk = try Self.image.disk()
        let rig = try CloudImageRig(image: Self.image, files: files, imageDeploy: [Self.imageName, Self.flippedName])
        defer { rig.remove() }
        let imported = Date()
        try rig.importImage(Self.imageName, file: disk.qcow2)
        print("ImageDeployBootTests: imported \(disk.qcow2) in \(String(format: "%.1f", Date().timeIntervalSince(imported))) s")
        try Self.copyWithOneByteFlipped(rig, from: Self.imageName, to: Self.flippedName)

        let dir = rig.directory
        let holding = try Self.diskHoldingAPartitionTable(dir.file("holding.raw"))
        let holdingBefore = try Self.sha256(of: holding)
        let machines = [
            try rig.boot(.deploy(.bios, disk: try Self.blankDisk(dir.file("bios-virtio.raw")), bus: .virtio, imageName: Self.imageName),
                         mac: "52:54:00:d1:0c:01"),
            try rig.boot(.deploy(.uefi, disk: try Self.blankDisk(dir.file("uefi-sata.raw")), bus: .sata, imageName: Self.imageName),
                         mac: "52:54:00:d1:0c:02"),
        ]
        let refused = try rig.boot(.deploy(.bios, disk: holding, bus: .virtio, imageName: Self.imageName), mac: "52:54:00:d1:0c:03")
        let flipped = try rig.boot(.deploy(.bios, disk: try Self.blankDisk(dir.file("flipped.raw")), bus: .sata, imageName: Self.flippedName),
                                   mac: "52:54:00:d1:0c:04")

        // The refusals end first: they write nothing, or verify and stop.
        let refusedState = rig.waitForState(refused.mac, ["failed", "ready"], seconds: Self.failedSeconds)
        #expect(refusedState == "failed", "a disk holding a partition table: \(refusedState ?? "?")\n\(rig.diagnostics(refused))")
        #expect(rig.eventsText(refused.mac).contains("holds data"), "\(rig.diagnostics(refused))")
        // The environment powers the machine off after reporting: then the disk is final.
        #expect(eventually(seconds: 120) { !refused.vm.isRunning }, "\(rig.diagnostics(refused))")
        #expect(try Self.sha256(of: holding) == holdingBefore, "the disk holding data was written to")

        let flippedState = rig.waitForState(flipped.mac, ["failed", "ready"], seconds: Self.failedSeconds)
        let flippedEvents = rig.eventsText(flipped.mac)
        #expect(flippedState == "failed" && flippedEvents.contains("verif"), "a flipped byte: \(flippedState ?? "?")\n\(rig.diagnostics(flipped))")

        for guest in machines {
            let state = rig.waitForState(guest.mac, ["ready", "failed"], seconds: Self.readySeconds)
            let seconds = Date().timeIntervalSince(guest.vm.started)
            guard state == "ready" else {
                Issue.record("\(guest.hostname) did not reach ready (\(state ?? "?")) in \(Int(seconds)) s\n\(rig.diagnostics(guest))")
                continue
            }
            print("ImageDeployBootTests: \(guest.hostname) (\(guest.path)) powered on to ready in \(String(format: "%.1f", seconds)) s")
            try check(guest, rig: rig)
        }
    }

    /// What a deployed machine shows: its lifecycle, the disk it booted, who it is.
    private func check(_ guest: CloudImageRig.Guest, rig: CloudImageRig) throws {
        let events = rig.events(guest.mac).map { $0["event"]?.stringValue ?? "?" }
        #expect(events.contains("commissioned") && events.contains("deployed") && events.last == "ready", "\(rig.eventsText(guest.mac))")
        let console = guest.vm.console
        #expect(console.contains("DEPLOY: verified sha256") && console.contains("GRUB: booting the installed system"),
                "\(CloudImageRig.tail(console, 40))")
        let login = rig.ssh(to: guest.address, command: "hostname; findmnt -n -o SOURCE /; cloud-init status")
        let lines = login.stdout.split(separator: "\n").map(String.init)
        #expect(login.status == 0 && lines.first == guest.hostname && lines.contains("status: done"),
                "ssh \(guest.address): \(login.status) \(login.stdout) \(login.stderr)")
        #expect(lines.count > 1 && lines[1].hasSuffix("3"), "the root is the image's third partition: \(lines)")
    }

    // MARK: - Disks and images

    private static func blankDisk(_ path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil), truncate(path, diskBytes) == 0 else {
            throw TestFailure("cannot make the blank disk \(path)")
        }
        return path
    }

    /// A disk with a GPT and one partition with a little data: what an earlier system left.
    private static func diskHoldingAPartitionTable(_ path: String) throws -> String {
        _ = try blankDisk(path)
        let made = try runTool("sgdisk", ["-n", "1:1M:+64M", "-t", "1:8300", "-c", "1:old-data", path])
        let table = try runTool("sgdisk", ["-p", path])
        guard made.status == 0, table.stdout.contains("old-data") else {
            throw TestFailure("sgdisk could not partition \(path): \(made.stderr) \(table.stdout)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: 1 << 20)
        try handle.write(contentsOf: Data("an earlier system's data".utf8))
        return path
    }

    private static func sha256(of path: String) throws -> String {
        let result = try runTool("sha256sum", [path])
        guard result.status == 0, let hash = result.stdout.split(separator: " ").first else {
            throw TestFailure("sha256sum \(path): \(result.stderr)")
        }
        return String(hash)
    }

    /// An imported image's copy under another name with one byte of its raw stream flipped
    /// (1 MiB + 512: inside GRUB's core.img) and recompressed, its record (size, sha256)
    /// unchanged: what the environment writes is whole, only its read-back sha256 differs.
    private static func copyWithOneByteFlipped(_ rig: CloudImageRig, from source: String, to name: String) throws {
        let images = rig.directory.file("data/images")
        let raw = rig.directory.file("flipped.image.raw")
        let decompressed = try runTool("zstd", ["-q", "-d", "-f", "\(images)/\(source)/image.raw.zst", "-o", raw])
        guard decompressed.status == 0 else { throw TestFailure("zstd -d: \(decompressed.stderr)") }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: raw))
        try handle.seek(toOffset: (1 << 20) + 512)
        let byte = try handle.read(upToCount: 1) ?? Data([0])
        try handle.seek(toOffset: (1 << 20) + 512)
        try handle.write(contentsOf: Data([byte[byte.startIndex] ^ 0x01]))
        try handle.close()
        try FileManager.default.createDirectory(atPath: "\(images)/\(name)", withIntermediateDirectories: true)
        let compressed = try runTool("zstd", ["-q", "-T0", "-3", "-f", raw, "-o", "\(images)/\(name)/image.raw.zst"])
        try? FileManager.default.removeItem(atPath: raw)
        guard compressed.status == 0 else { throw TestFailure("zstd: \(compressed.stderr)") }
        guard let data = FileManager.default.contents(atPath: "\(images)/\(source)/image.json"),
              case let .object(members) = try JSONParser.parse([UInt8](data)) else { throw TestFailure("no record for image \(source)") }
        let stored = (try FileManager.default.attributesOfItem(atPath: "\(images)/\(name)/image.raw.zst")[.size] as? Int) ?? 0
        let record = JSONValue.object(members.map { key, value in
            switch key {
            case "name": (key, .string(name))
            case "storedBytes": (key, .int(stored))
            default: (key, value)
            }
        })
        try record.encoded().write(toFile: "\(images)/\(name)/image.json", atomically: true, encoding: .utf8)
    }
}
