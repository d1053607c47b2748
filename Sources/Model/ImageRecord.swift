import Wire

/// An image provisiond can write to a disk (DESIGN.md §13): an operator's cloud image (qcow2,
/// raw, .xz or .zst) converted on import to a raw stream, of which only the blocks holding data
/// are kept (its block map), zstd-compressed, with the SHA-256 of those blocks that the deploy
/// environment verifies after writing them, and the size and SHA-256 of the whole raw stream.
public struct ImageRecord: Equatable, Sendable {
    public enum State: String, CaseIterable, Sendable {
        case importing, ready, failed
    }

    public var name: String
    public var state: State
    /// The URL or server-side file it was imported from.
    public var source: String
    /// The operator's `sha256:HEX` of the source, checked before conversion.
    public var sourceChecksum: String?
    /// What `qemu-img info` called the source (after .xz/.zst decompression).
    public var sourceFormat: String?
    public var rawBytes: Int?
    /// Lowercase hex SHA-256 of the raw stream.
    public var rawSHA256: String?
    /// Which blocks of the raw stream hold data: the ones stored, written and verified.
    public var blockMap: ImageBlockMap?
    /// Lowercase hex SHA-256 of the mapped blocks, in order: what the environment reads back.
    public var mappedSHA256: String?
    /// Bytes of the stored, compressed file.
    public var storedBytes: Int?
    /// Why the import failed.
    public var error: String?
    public var createdAt: String
    public var updatedAt: String

    public init(name: String, state: State, source: String, sourceChecksum: String? = nil, sourceFormat: String? = nil,
                rawBytes: Int? = nil, rawSHA256: String? = nil, blockMap: ImageBlockMap? = nil, mappedSHA256: String? = nil,
                storedBytes: Int? = nil, error: String? = nil,
                createdAt: String, updatedAt: String) {
        self.name = name
        self.state = state
        self.source = source
        self.sourceChecksum = sourceChecksum
        self.sourceFormat = sourceFormat
        self.rawBytes = rawBytes
        self.rawSHA256 = rawSHA256
        self.blockMap = blockMap
        self.mappedSHA256 = mappedSHA256
        self.storedBytes = storedBytes
        self.error = error
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A name is a file name and a URL path segment: 1–64 of `a-z 0-9 . _ -`, not starting with a dot.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && !name.hasPrefix(".")
            && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    /// `sha256:HEX` (64 hex digits, any case) → the lowercase hex; nil for anything else.
    public static func sha256Checksum(_ text: String) -> String? {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = text.dropFirst("sha256:".count).lowercased()
        guard hex.utf8.count == 64, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return hex
    }

    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func number(_ value: Int?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        return .object([
            ("name", .string(name)), ("state", .string(state.rawValue)), ("source", .string(source)),
            ("sourceChecksum", text(sourceChecksum)), ("sourceFormat", text(sourceFormat)), ("rawBytes", number(rawBytes)),
            ("rawSha256", text(rawSHA256)), ("blockBytes", number(blockMap?.blockBytes)), ("blockRanges", text(blockMap?.text)),
            ("mappedBytes", number(blockMap?.mappedBytes)), ("mappedSha256", text(mappedSHA256)), ("storedBytes", number(storedBytes)),
            ("error", text(error)),
            ("createdAt", .string(createdAt)), ("updatedAt", .string(updatedAt)),
        ])
    }

    /// Reads back what `json` wrote; nil when it is not such a record.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, Self.isValidName(name), let stateText = json["state"]?.stringValue,
              let state = State(rawValue: stateText), let source = json["source"]?.stringValue,
              let createdAt = json["createdAt"]?.stringValue, let updatedAt = json["updatedAt"]?.stringValue else { return nil }
        let rawBytes = json["rawBytes"]?.intValue
        let blockMap = json["blockBytes"]?.intValue.flatMap { blockBytes in
            json["blockRanges"]?.stringValue.flatMap { ImageBlockMap(blockBytes: blockBytes, text: $0, rawBytes: rawBytes ?? 0) }
        }
        self.init(name: name, state: state, source: source, sourceChecksum: json["sourceChecksum"]?.stringValue,
                  sourceFormat: json["sourceFormat"]?.stringValue, rawBytes: rawBytes, rawSHA256: json["rawSha256"]?.stringValue,
                  blockMap: blockMap, mappedSHA256: json["mappedSha256"]?.stringValue, storedBytes: json["storedBytes"]?.intValue, error: json["error"]?.stringValue, createdAt: createdAt, updatedAt: updatedAt)
    }
}
