import Dispatch
import Foundation
import Inventory
import Synchronization
import Wire

/// Imported images under `DATA/images/NAME/`: `image.json` (the ImageRecord, replaced
/// atomically) and, once ready, `image.map.zst` (the mapped blocks, ImageImporter). Imports run one at a time on a queue of their
/// own, never on a request's thread (ImageImporter); `pending` counts them for `/healthz`.
final class ImageStore: Sendable {
    let directory: String
    private let queue = DispatchQueue(label: "provisiond.images", qos: .utility)
    private let log: Logger
    let pending = Atomic<Int>(0)
    /// Names being imported now (a delete waits for the import to end).
    private let importing = Mutex<Set<String>>([])

    static let recordFile = "image.json"
    static let imageFile = "image.map.zst"

    /// Records left `importing` by a stop are marked failed: their work was lost.
    init(directory: String, log: Logger) throws(StartupError) {
        self.directory = directory
        self.log = log
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw StartupError("cannot create the images directory \(directory): \(error.localizedDescription)")
        }
        for var record in list() where record.state == .importing {
            record.state = .failed
            record.error = "interrupted: provisiond stopped during the import"
            record.updatedAt = Timestamp.now()
            try? write(record)
        }
    }

    func list() -> [ImageRecord] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { ImageRecord.isValidName($0) ? record($0) : nil }
    }

    func record(_ name: String) -> ImageRecord? {
        guard ImageRecord.isValidName(name), let data = FileManager.default.contents(atPath: path(name, Self.recordFile)),
              let json = try? JSONParser.parse([UInt8](data)) else { return nil }
        return ImageRecord(json: json)
    }

    func path(_ name: String, _ file: String) -> String { "\(directory)/\(name)/\(file)" }

    /// Starts importing: the record (state importing) exists when this returns, the work runs later.
    func begin(_ request: ImageImport) throws(APIError) -> ImageRecord {
        let now = Timestamp.now()
        let record = ImageRecord(name: request.name, state: .importing, source: request.source.text,
                                 sourceChecksum: request.checksum.map { "sha256:\($0)" }, createdAt: now, updatedAt: now)
        let claimed = importing.withLock { names in names.insert(request.name).inserted }
        guard claimed else { throw APIError(409, "image \(request.name) is being imported") }
        if self.record(request.name) != nil {
            importing.withLock { _ = $0.remove(request.name) }
            throw APIError(409, "image \(request.name) exists: delete it first")
        }
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(request.name)", withIntermediateDirectories: true)
            try write(record)
        } catch {
            importing.withLock { _ = $0.remove(request.name) }
            throw APIError(500, "cannot record image \(request.name): \(error.localizedDescription)")
        }
        pending.add(1, ordering: .sequentiallyConsistent)
        log.info("image-import-started", ["image": request.name, "source": request.source.text])
        queue.async { [self] in
            let finished = ImageImporter(store: self).run(request, record)
            try? write(finished)
            importing.withLock { _ = $0.remove(request.name) }
            pending.subtract(1, ordering: .sequentiallyConsistent)
            if finished.state == .ready {
                log.info("image-imported", ["image": finished.name, "raw-bytes": String(finished.rawBytes ?? 0),
                                            "sha256": finished.rawSHA256 ?? "", "stored-bytes": String(finished.storedBytes ?? 0)])
            } else {
                log.warning("image-import-failed", ["image": finished.name, "error": finished.error ?? ""])
            }
        }
        return record
    }

    func delete(_ name: String) throws(APIError) {
        guard importing.withLock({ !$0.contains(name) }) else { throw APIError(409, "image \(name) is being imported: wait for it to end") }
        guard record(name) != nil else { throw APIError(404, "no image \(name)") }
        do { try FileManager.default.removeItem(atPath: "\(directory)/\(name)") } catch {
            throw APIError(500, "cannot delete image \(name): \(error.localizedDescription)")
        }
        log.info("image-deleted", ["image": name])
    }

    /// Replaces the record file atomically (write, then rename).
    func write(_ record: ImageRecord) throws {
        let final = path(record.name, Self.recordFile)
        try Data((record.json.encoded(pretty: true) + "\n").utf8).write(to: URL(fileURLWithPath: final), options: .atomic)
    }
}
