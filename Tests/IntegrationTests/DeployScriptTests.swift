import Foundation
import TestSupport
import Testing
import Wire

/// The deploy environment's deploy path (`scripts/deploy-env/deploy.sh`) run on this host by
/// busybox sh, with only the programs the environment has (busybox's applets, and curl, zstd,
/// blkid, blockdev, lsblk, partx as the recipe copies them), against loop devices standing in for
/// disks, with a real provisiond serving a small partitioned image imported as qcow2: it writes,
/// verifies, finds the root partition and seeds cloud-init; a wrong checksum fails at
/// verification, and so does an image corrupted before compression; a corrupted stream fails at
/// the write; a disk holding data is never touched.
@Suite(.serialized, .timeLimit(.minutes(4))) struct DeployScriptTests {
    static let hostname = "image-host"

    /// A 24 MiB raw disk: GPT, one 20 MiB ext4 partition at 1 MiB labelled root, holding
    /// /etc/hostname and /etc/cloud. Converted to qcow2, as Debian ships its cloud images.
    private func partitionedImage(_ dir: TemporaryDirectory) throws -> (raw: String, qcow2: String) {
        let raw = dir.file("image.raw"), qcow2 = dir.file("image.qcow2"), tree = dir.file("tree")
        try FileManager.default.createDirectory(atPath: tree + "/etc/cloud", withIntermediateDirectories: true)
        try dir.write("tree/etc/hostname", Self.hostname + "\n")
        for step in [("truncate", ["-s", "24M", raw]),
                     ("sh", ["-c", "printf 'label: gpt\\nstart=2048, size=40960, type=L, name=root\\n' | sfdisk -q \"$0\"", raw]),
                     ("mkfs.ext4", ["-q", "-F", "-L", "root", "-d", tree, "-E", "offset=1048576", raw, "20M"]),
                     ("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, qcow2])] {
            let result = try runTool(step.0, step.1)
            #expect(result.status == 0, "\(step.0): \(result.stderr)")
        }
        return (raw, qcow2)
    }

    /// A loop device (with partition scanning) over a fresh sparse file of `bytes`.
    private func loopDevice(_ dir: TemporaryDirectory, _ name: String, bytes: Int = 32 << 20) throws -> (device: String, file: String) {
        let file = dir.file(name)
        #expect(try runTool("truncate", ["-s", String(bytes), file]).status == 0)
        let attached = try runTool("losetup", ["-P", "-f", "--show", file])
        #expect(attached.status == 0, "\(attached.stderr)")
        return (attached.stdout.trimmingCharacters(in: .whitespacesAndNewlines), file)
    }

    /// The programs the environment has, and nothing else: busybox's applets, then the recipe's
    /// own programs over them (its /init installs busybox's links without replacing those).
    private func environmentPath(_ dir: TemporaryDirectory) throws -> String {
        let bin = dir.file("env-bin")
        guard !FileManager.default.fileExists(atPath: bin) else { return bin }
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for program in ["curl", "zstd", "blkid", "blockdev", "lsblk", "partx"] {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(program)", withDestinationPath: try toolPath(program))
        }
        let busybox = try toolPath("busybox")
        for applet in try runTool("busybox", ["--list"]).stdout.split(separator: "\n") where !FileManager.default.fileExists(atPath: "\(bin)/\(applet)") {
            try FileManager.default.createSymbolicLink(atPath: "\(bin)/\(applet)", withDestinationPath: busybox)
        }
        return bin
    }

    /// Registers and boots `mac`, reports a disk at `device` of `bytes` with `table`, and runs the
    /// deploy path as the environment's /init does.
    private func deploy(_ lab: DeployLab, _ dir: TemporaryDirectory, mac: String, device: String, bytes: Int = 32 << 20,
                        table: String? = nil) throws -> ProcessResult {
        try lab.registerAndBoot(mac)
        try lab.reportFacts(mac, DeployLab.facts([("vda", bytes, table)], paths: ["vda": device]))
        let scratch = dir.file("tmp-\(mac.suffix(2))")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let script = DeployLab.repository.path + "/scripts/deploy-env/deploy.sh"
        return try runProgram(URL(fileURLWithPath: try toolPath("busybox")),
                              ["sh", "-c", ". \"$0\" && deploy_image \"$1\" \"$2\" \"$3\"", script, lab.server.httpURL, mac, try lab.token(mac)],
                              environment: ["PATH": try environmentPath(dir), "DEPLOY_TMP": scratch,
                                            "DEPLOY_LIB": DeployLab.repository.path + "/scripts/deploy-env"])
    }

    private func failure(_ lab: DeployLab, _ mac: String) throws -> String {
        let last = try #require(try lab.events(mac).last)
        #expect(last["event"] == .string("install-failed"), "\(last.encoded())")
        return last["detail"]?.stringValue ?? ""
    }

    @Test func theDiskIsWrittenVerifiedAndSeeded() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try DeployLab(dir)
        let image = try partitionedImage(dir)
        let record = try lab.importImage(image.qcow2)
        #expect(record["rawSha256"]?.stringValue == (try DeployLab.sha256(image.raw)))
        let loop = try loopDevice(dir, "disk-ok")
        defer { _ = try? runTool("losetup", ["-d", loop.device]) }

        let mac = "52:54:00:00:72:01"
        let run = try deploy(lab, dir, mac: mac, device: loop.device)
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        #expect(run.stdout.contains("DEPLOY: verified sha256 \(record["mappedSha256"]?.stringValue ?? "-")"), "\(run.stdout)")
        #expect(run.stdout.contains("DEPLOY: seeded \(loop.device)p1: nocloud-seed: "), "\(run.stdout)")
        #expect(try lab.state(mac) == "installing")
        let progress = try lab.events(mac).filter { $0["event"] == .string("deploy-progress") }.compactMap { $0["detail"]?.stringValue }
        #expect(progress == stride(from: 10, through: 100, by: 10).map { "\($0) % of image debian-12 written to \(loop.device)" })
        #expect(try lab.eventNames(mac).last == "deployed")
        // Only the mapped blocks were written, and the disk's last MiB (past the image) cleared:
        // the rest of the sparse file behind the loop device is still holes, but for the few
        // blocks of free space the seed file took (64 KiB allowed).
        let allocated = try #require(Int(try runTool("stat", ["-c", "%b", loop.file]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))) * 512
        let mapped = try #require(record["mappedBytes"]?.intValue)
        #expect(mapped < 24 << 20 && allocated <= mapped + (1 << 20) + (64 << 10), "\(allocated) bytes allocated, \(mapped) mapped")

        // The image's partition table, and its root file system with the seed file in it.
        let tableID = { (path: String) throws -> String in try runTool("blkid", ["-p", "-o", "value", "-s", "PTUUID", path]).stdout }
        #expect(try tableID(loop.device) == tableID(image.raw) && !(try tableID(image.raw)).isEmpty)
        let read = { (path: String) throws -> String in try runTool("debugfs", ["-R", "cat \(path)", "\(loop.device)p1"]).stdout }
        #expect(try read("/etc/hostname") == Self.hostname + "\n")
        let seed = try read("/etc/cloud/cloud.cfg.d/99-provisiond-nocloud.cfg")
        #expect(seed.contains("datasource_list: [ NoCloud, None ]") && seed.contains("seedfrom: \"\(lab.server.httpURL)/cloud-init/\(mac)/\""), "\(seed)")
        #expect(!(try String(contentsOfFile: "/proc/mounts", encoding: .utf8)).contains(loop.device), "the root was unmounted")
    }

    @Test func corruptedImagesFailAndADiskHoldingDataIsNotTouched() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try DeployLab(dir)
        let image = try partitionedImage(dir)
        let record = try lab.importImage(image.qcow2)
        let sha = try #require(record["mappedSha256"]?.stringValue)
        let recordFile = dir.file("data/images/debian-12/image.json")
        let stored = dir.file("data/images/debian-12/image.map.zst")

        // A wrong recorded checksum: what was written does not verify.
        let original = try String(contentsOfFile: recordFile, encoding: .utf8)
        let zeros = String(repeating: "0", count: 64)
        try original.replacingOccurrences(of: sha, with: zeros).write(toFile: recordFile, atomically: true, encoding: .utf8)
        let first = try loopDevice(dir, "disk-sha")
        defer { _ = try? runTool("losetup", ["-d", first.device]) }
        let wrongSHA = try deploy(lab, dir, mac: "52:54:00:00:72:02", device: first.device)
        #expect(wrongSHA.status != 0)
        let verification = "deploy verify: image verification failed: wrote sha256 \(sha), expected \(zeros)"
        #expect(wrongSHA.stdout.contains("DEPLOY: FAILED verify: image verification failed"), "\(wrongSHA.stdout)")
        #expect(try failure(lab, "52:54:00:00:72:02").hasPrefix(verification))
        #expect(try lab.state("52:54:00:00:72:02") == "failed")
        try original.write(toFile: recordFile, atomically: true, encoding: .utf8)

        // One flipped byte in the image itself, stored again as a valid zstd stream (corruption
        // before compression, which no frame checksum can see): the read-back catches it.
        let pristine = try Data(contentsOf: URL(fileURLWithPath: stored))
        let raw = dir.file("flipped.raw")
        #expect(try runTool("zstd", ["-q", "-d", "-f", stored, "-o", raw]).status == 0)
        var rawBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        rawBytes[rawBytes.count / 2] ^= 0x01
        try Data(rawBytes).write(to: URL(fileURLWithPath: raw))
        #expect(try runTool("zstd", ["-q", "-f", raw, "-o", stored]).status == 0)
        let rawFlip = try loopDevice(dir, "disk-rawflip")
        defer { _ = try? runTool("losetup", ["-d", rawFlip.device]) }
        let flippedImage = try deploy(lab, dir, mac: "52:54:00:00:72:06", device: rawFlip.device)
        #expect(flippedImage.status != 0)
        #expect(try failure(lab, "52:54:00:00:72:06").hasPrefix("deploy verify: image verification failed: wrote sha256 "))
        #expect(try lab.state("52:54:00:00:72:06") == "failed")
        try pristine.write(to: URL(fileURLWithPath: stored))

        // One flipped byte in the stored stream: zstd's frame checksum stops the write.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stored)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: stored))
        let second = try loopDevice(dir, "disk-flip")
        defer { _ = try? runTool("losetup", ["-d", second.device]) }
        let flipped = try deploy(lab, dir, mac: "52:54:00:00:72:03", device: second.device)
        #expect(flipped.status != 0)
        let detail = try failure(lab, "52:54:00:00:72:03")
        #expect(detail.hasPrefix("deploy write: ") && detail.contains("zstd: /*stdin*\\ : Decoding error"), "\(detail)")
        #expect(try lab.state("52:54:00:00:72:03") == "failed")

        // A disk that holds a partition table, and a profile without wipe: refused, untouched.
        let third = try loopDevice(dir, "disk-data")
        defer { _ = try? runTool("losetup", ["-d", third.device]) }
        #expect(try runTool("sh", ["-c", "printf 'label: gpt\\n,,L\\n' | sfdisk -q \"$0\"", third.file]).status == 0)
        let before = try DeployLab.sha256(third.file)
        let refused = try deploy(lab, dir, mac: "52:54:00:00:72:04", device: third.device, table: "gpt")
        #expect(refused.status != 0)
        #expect(refused.stdout.contains("DEPLOY: FAILED plan: ") && refused.stdout.contains("holds data (a gpt partition table)"), "\(refused.stdout)")
        #expect(try failure(lab, "52:54:00:00:72:04").hasPrefix("deploy refused: disk \(third.device) /dev/disk/by-id/virtio-SNvda holds data"))
        #expect(try DeployLab.sha256(third.file) == before)

        // A planned disk that is not the one the facts described (another size): not written.
        let fourth = try loopDevice(dir, "disk-size")
        defer { _ = try? runTool("losetup", ["-d", fourth.device]) }
        let mismatch = try deploy(lab, dir, mac: "52:54:00:00:72:05", device: fourth.device, bytes: 64 << 20)
        #expect(mismatch.status != 0)
        #expect(try failure(lab, "52:54:00:00:72:05").hasPrefix("deploy disk: \(fourth.device) has \(32 << 20) bytes, the plan expects \(64 << 20)"))
        #expect(try runTool("blkid", ["-p", fourth.device]).stdout.isEmpty)
    }
}
