import Model

/// What the deploy environment does for one machine (issue 14, "Deploy"): write `image` to
/// `disk`, verify it, and point the installed system's cloud-init at provisiond. Decided by the
/// server from the machine's reported facts, its profile, whether it is being reimaged and the
/// image's record, before a byte is written.
public struct DeployPlan: Equatable, Sendable {
    public let image: String
    /// Where the environment streams the image's mapped blocks from, zstd-compressed (it adds
    /// its token).
    public let imageURL: String
    /// The whole raw image: its size and SHA-256 (lowercase hex), as import recorded them.
    public let rawBytes: Int
    public let rawSHA256: String
    /// The blocks the stream holds and where each goes on the disk.
    public let blockMap: ImageBlockMap
    /// SHA-256 of the mapped blocks in order: exactly what is read back from the disk and checked.
    public let sha256: String
    public let disk: HardwareFacts.Disk
    /// The machine's NoCloud URL, which the environment writes into the installed system
    /// (`scripts/deploy-env/nocloud-seed`, the one place that decides the form).
    public let seedURL: String

    /// The environment's view, read with `sed` in busybox sh: one `key=value` a line, values
    /// without line breaks (the disk path is checked to be one word).
    public var text: String {
        let lines = [("image", image), ("image_url", imageURL), ("raw_bytes", String(rawBytes)), ("raw_sha256", rawSHA256),
                     ("block_bytes", String(blockMap.blockBytes)), ("ranges", blockMap.text), ("mapped_bytes", String(blockMap.mappedBytes)),
                     ("sha256", sha256), ("disk", disk.path), ("disk_bytes", String(disk.sizeBytes)), ("seed_url", seedURL)]
        return lines.map { "\($0.0)=\($0.1)\n" }.joined()
    }

    /// One line for the timeline: which image goes to which disk.
    public var summary: String {
        "image \(image) (\(rawBytes) bytes, \(blockMap.mappedBytes) of them mapped, sha256 \(rawSHA256)) to \(TargetDisk.describe(disk)) (\(disk.sizeBytes) bytes)"
    }
}

public enum DeployDecision: Equatable, Sendable {
    case deploy(DeployPlan)
    /// The machine fails with this reason; no disk is touched.
    case refuse(String)
}

public enum DeployPlanner {
    /// `facts`: what the machine's environment reported (nil: it has not); `reimage`: the operator
    /// asked to install it again, which permits overwriting a disk that holds data; `image`: the
    /// record of the profile's image, nil when there is none by that name; `serverURL`: how the
    /// machine reaches the boot plane.
    public static func decide(mac: String, deploy: ImageDeploy, facts: HardwareFacts?, reimage: Bool, image: ImageRecord?,
                              serverURL: String) -> DeployDecision {
        guard let image else {
            return .refuse("image \(deploy.image) does not exist: import it with provisionctl image import \(deploy.image)")
        }
        guard image.state == .ready, let rawBytes = image.rawBytes, let rawSHA256 = image.rawSHA256 else {
            let why = image.state == .failed ? "its import failed: \(image.error ?? "no reason recorded")" : "it is \(image.state.rawValue)"
            return .refuse("image \(deploy.image) cannot be written: \(why)")
        }
        guard let blockMap = image.blockMap, let sha256 = image.mappedSHA256 else {
            return .refuse("image \(deploy.image) has no block map (imported by an older provisiond): delete it and import it again")
        }
        guard let facts else { return .refuse("no hardware facts: the deploy environment reports them before asking for a plan") }
        let disk: HardwareFacts.Disk
        switch TargetDisk.choose(deploy.targetDisk, among: facts.disks, wipe: deploy.wipe, reimage: reimage) {
        case .refuse(let reason): return .refuse(reason)
        case .write(let chosen): disk = chosen
        }
        guard isWord(disk.path) else { return .refuse("disk path \(disk.path) is not a plain device path") }
        // The map covers whole blocks: a partial last block is written whole.
        let end = max(rawBytes, blockMap.ranges.last.map { ($0.start + $0.count) * blockMap.blockBytes } ?? 0)
        guard end <= disk.sizeBytes else {
            return .refuse("image \(deploy.image) (\(rawBytes) bytes) does not fit disk \(TargetDisk.describe(disk)) (\(disk.sizeBytes) bytes)")
        }
        let base = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        return .deploy(DeployPlan(image: image.name, imageURL: "\(base)/deploy/\(mac)/image", rawBytes: rawBytes, rawSHA256: rawSHA256,
                                  blockMap: blockMap, sha256: sha256, disk: disk,
                                  seedURL: "\(base)/cloud-init/\(mac)/"))
    }

    /// `/dev/...` of letters, digits and `/ _ . : -` only: safe on a line and in a shell word.
    static func isWord(_ path: String) -> Bool {
        path.hasPrefix("/dev/") && !path.contains("..")
            && path.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || "/_.:-".utf8.contains($0) }
    }
}
