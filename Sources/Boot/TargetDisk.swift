import Model

/// Which disk an image is written to (issue 14, "Deploy"), and whether it may be: a pure
/// decision from the machine's reported disks, the profile's rule and its disk policy.
public enum TargetDiskRule: Equatable, Sendable {
    case smallest, largest
    /// A `/dev/disk/by-id/...` name: exactly that disk.
    case byID(String)
    /// A glob (`*`, `?`) matched against the disk's serial: it must match exactly one disk.
    case serial(String)
    /// A glob matched against the model: the smallest matching disk.
    case model(String)

    /// `smallest`, `largest`, `/dev/disk/by-id/NAME`, `serial:GLOB` or `model:GLOB`; nil otherwise.
    public init?(_ text: String) {
        switch text {
        case "smallest": self = .smallest
        case "largest": self = .largest
        case _ where text.hasPrefix("/dev/disk/by-id/") && text.count > "/dev/disk/by-id/".count && !text.contains("/../"): self = .byID(text)
        case _ where text.hasPrefix("serial:") && text.count > "serial:".count: self = .serial(String(text.dropFirst("serial:".count)))
        case _ where text.hasPrefix("model:") && text.count > "model:".count: self = .model(String(text.dropFirst("model:".count)))
        default: return nil
        }
    }

    /// A by-id name or a serial names one disk: only those may pick a removable or USB disk.
    var names: Bool {
        switch self {
        case .byID, .serial: true
        case .smallest, .largest, .model: false
        }
    }
}

public enum TargetDiskChoice: Equatable, Sendable {
    case write(HardwareFacts.Disk)
    /// The machine fails with this reason; nothing is written.
    case refuse(String)
}

public enum TargetDisk {
    /// The disk `rule` picks among `disks`. Removable and USB disks are never picked unless the
    /// rule names them; a disk holding a partition table is refused ("holds data") unless the
    /// profile says `wipe` or the machine is being reimaged.
    public static func choose(_ rule: TargetDiskRule, among disks: [HardwareFacts.Disk], wipe: Bool, reimage: Bool) -> TargetDiskChoice {
        let eligible = disks.filter { $0.sizeBytes > 0 && (rule.names || !isRemovable($0)) }
        let chosen: HardwareFacts.Disk
        switch rule {
        case .smallest, .largest:
            let sorted = eligible.sorted { ($0.sizeBytes, $0.name) < ($1.sizeBytes, $1.name) }
            guard let pick = rule == .smallest ? sorted.first : sorted.last else { return .refuse(noDisk("no fixed disk", disks)) }
            chosen = pick
        case .byID(let id):
            guard let pick = eligible.first(where: { $0.byID.contains(id) }) else { return .refuse(noDisk("no disk \(id)", disks)) }
            chosen = pick
        case .serial(let pattern):
            let matches = eligible.filter { $0.serial.map { Glob.matches(pattern, $0) } ?? false }
            guard matches.count == 1 else {
                let what = matches.isEmpty ? "no disk" : "\(matches.count) disks (\(matches.map(\.path).joined(separator: ", ")))"
                return .refuse(noDisk("\(what) with a serial matching \(pattern)", disks))
            }
            chosen = matches[0]
        case .model(let pattern):
            let matches = eligible.filter { $0.model.map { Glob.matches(pattern, $0) } ?? false }
            guard let pick = matches.min(by: { ($0.sizeBytes, $0.name) < ($1.sizeBytes, $1.name) }) else {
                return .refuse(noDisk("no fixed disk with a model matching \(pattern)", disks))
            }
            chosen = pick
        }
        if let table = chosen.partitionTable, !wipe, !reimage {
            return .refuse("disk \(describe(chosen)) holds data (a \(table) partition table): set wipe in the profile or reimage the machine to overwrite it")
        }
        return .write(chosen)
    }

    static func isRemovable(_ disk: HardwareFacts.Disk) -> Bool { disk.removable == true || disk.transport == .usb }

    static func describe(_ disk: HardwareFacts.Disk) -> String {
        let id = disk.byID.first.map { " \($0)" } ?? ""
        return "\(disk.path)\(id)"
    }

    private static func noDisk(_ what: String, _ disks: [HardwareFacts.Disk]) -> String {
        let found = disks.map { disk in
            let flags = [isRemovable(disk) ? "removable" : nil, disk.serial.map { "serial \($0)" }, disk.model.map { "model \($0)" }]
            return "\(disk.path) \(disk.sizeBytes) bytes" + flags.compactMap { $0 }.map { ", \($0)" }.joined()
        }
        return "\(what) (removable and USB disks only by by-id or serial) among: \(found.isEmpty ? "none" : found.joined(separator: "; "))"
    }
}

/// Shell-style glob matching of `*` (any run) and `?` (one character), nothing else special.
enum Glob {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
