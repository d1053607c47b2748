import Foundation
import Inventory

/// One import, step by step, each a program with a time limit (ProcessRunner): fetch (curl) or
/// take the server-side file, check the operator's checksum, decompress .xz/.zst, ask
/// `qemu-img info` the format, `qemu-img convert` to raw, measure and hash the raw stream
/// (openssl dgst), keep only its blocks holding data (ImageBlockMapper: the block map), hash those
/// and compress them with zstd (`image.map.zst`, what the environment streams to a disk). Any
/// failure names the step and what the program said; the work folder goes either way.
struct ImageImporter {
    let store: ImageStore
    static let stepTimeout = 3600.0

    private struct StepFailure: Error {
        let message: String
    }

    func run(_ request: ImageImport, _ started: ImageRecord) -> ImageRecord {
        var record = started
        let work = store.path(request.name, "work")
        defer { try? FileManager.default.removeItem(atPath: work) }
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            var source: String
            switch request.source {
            case .url(let url):
                source = work + "/download" + Self.compressionSuffix(url)
                try step("download", ["curl", "-fsSL", "--proto", "=http,https", "--retry", "2", "-o", source, url])
            case .file(let path):
                guard FileManager.default.isReadableFile(atPath: path) else { throw StepFailure(message: "source: cannot read \(path) on the server") }
                source = path
            }
            if let expected = request.checksum {
                let actual = try sha256(source)
                guard actual == expected else { throw StepFailure(message: "checksum: the source's sha256 is \(actual), not \(expected)") }
            }
            switch Self.compressionSuffix(source) {
            case ".xz":
                try step("decompress", ["sh", "-c", "xz -dc -- \"$1\" > \"$2\"", "sh", source, work + "/source"])
                source = work + "/source"
            case ".zst":
                try step("decompress", ["zstd", "-q", "-d", source, "-o", work + "/source"])
                source = work + "/source"
            default: break
            }
            let info = try step("inspect", ["qemu-img", "info", "--output=json", source]).tail.joined(separator: "\n")
            guard let format = Self.format(inQemuImgInfo: info) else { throw StepFailure(message: "inspect: qemu-img info named no format: \(info)") }
            guard ["raw", "qcow2", "vmdk", "vdi", "vhdx", "vpc"].contains(format) else {
                throw StepFailure(message: "inspect: qemu-img reads the source as \(format), not a disk image")
            }
            record.sourceFormat = format
            let raw = work + "/image.raw"
            try step("convert", ["qemu-img", "convert", "-f", format, "-O", "raw", source, raw])
            let attributes = try FileManager.default.attributesOfItem(atPath: raw)
            record.rawBytes = (attributes[.size] as? NSNumber)?.intValue
            record.rawSHA256 = try sha256(raw)
            let mapped = work + "/mapped.raw"
            do { record.blockMap = try ImageBlockMapper.map(raw: raw, rawBytes: record.rawBytes ?? 0, into: mapped) } catch {
                throw StepFailure(message: "map: \(error.message)")
            }
            try? FileManager.default.removeItem(atPath: raw)
            record.mappedSHA256 = try sha256(mapped)
            try step("compress", ["zstd", "-q", "-T0", "-3", mapped, "-o", work + "/" + ImageStore.imageFile])
            let final = store.path(request.name, ImageStore.imageFile)
            try? FileManager.default.removeItem(atPath: final)
            try FileManager.default.moveItem(atPath: work + "/" + ImageStore.imageFile, toPath: final)
            record.storedBytes = ((try FileManager.default.attributesOfItem(atPath: final))[.size] as? NSNumber)?.intValue
            record.state = .ready
        } catch let failure as StepFailure {
            record.state = .failed
            record.error = failure.message
        } catch {
            record.state = .failed
            record.error = "files: \(error.localizedDescription)"
        }
        record.updatedAt = Timestamp.now()
        return record
    }

    @discardableResult
    private func step(_ name: String, _ arguments: [String]) throws(StepFailure) -> ProcessOutcome {
        let outcome: ProcessOutcome
        do { outcome = try ProcessRunner(arguments: arguments, timeout: Self.stepTimeout, tailLines: 40).run() } catch {
            throw StepFailure(message: "\(name): \(error.description)")
        }
        guard outcome.succeeded else {
            throw StepFailure(message: "\(name): \(arguments[0]) \(outcome.status): \(outcome.tail.suffix(3).joined(separator: " / "))")
        }
        return outcome
    }

    /// OpenSSL's SHA-256 (`-r`: "HEX *PATH"), not coreutils' sha256sum: it uses the CPU's SHA
    /// extensions, 2.7 s against 24 s for a 2 GiB raw image here (`openssl` comes with Debian's
    /// ca-certificates).
    private func sha256(_ path: String) throws(StepFailure) -> String {
        let line = try step("checksum", ["openssl", "dgst", "-sha256", "-r", "--", path]).tail.last ?? ""
        let hex = String(line.prefix { $0 != " " })
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else { throw StepFailure(message: "checksum: openssl dgst said \(line)") }
        return hex
    }

    /// `.xz` or `.zst` when the name (or URL path) ends so, else "".
    static func compressionSuffix(_ name: String) -> String {
        let path = name.split(separator: "?", maxSplits: 1).first.map(String.init) ?? name
        return [".xz", ".zst"].first { path.hasSuffix($0) } ?? ""
    }

    /// The top-level `"format": "..."` of `qemu-img info --output=json`.
    static func format(inQemuImgInfo text: String) -> String? {
        guard let range = text.range(of: "\"format\": \"") else { return nil }
        let rest = text[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
