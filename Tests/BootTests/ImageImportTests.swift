import Model
import Testing
import Wire

/// What an operator may ask to import, and the record kept of an image.
@Suite struct ImageImportTests {
    static let hex = String(repeating: "ab", count: 32)

    @Test func acceptsAURLOrAServerFile() throws {
        let byURL = try ImageImport(name: "debian-12", url: "https://cloud.debian.org/x.qcow2", file: nil, checksum: "sha256:" + Self.hex.uppercased())
        #expect(byURL.source == .url("https://cloud.debian.org/x.qcow2") && byURL.checksum == Self.hex)
        let byFile = try ImageImport(name: "noble_1.0", url: nil, file: "/srv/images/noble.img.xz", checksum: nil)
        #expect(byFile.source == .file("/srv/images/noble.img.xz") && byFile.checksum == nil)
    }

    /// name, url, file, checksum → the error's beginning
    static let refusals: [(String, String?, String?, String?, String)] = [
        ("Debian", "http://x/y", nil, nil, "image name \"Debian\" must be"),
        (".hidden", "http://x/y", nil, nil, "image name \".hidden\""),
        ("a/b", "http://x/y", nil, nil, "image name \"a/b\""),
        (String(repeating: "a", count: 65), "http://x/y", nil, nil, "image name"),
        ("d", nil, nil, nil, "give exactly one of url and file"),
        ("d", "http://x/y", "/srv/y", nil, "give exactly one of url and file"),
        ("d", "ftp://x/y", nil, nil, "url \"ftp://x/y\" must be an http(s) URL"),
        ("d", "http://x/a b", nil, nil, "url"),
        ("d", nil, "images/x.qcow2", nil, "file \"images/x.qcow2\" must be an absolute path"),
        ("d", nil, "/srv/../etc/shadow", nil, "file \"/srv/../etc/shadow\""),
        ("d", nil, "/srv/x", "md5:abc", "checksum \"md5:abc\" must be sha256: and 64 hex digits"),
        ("d", nil, "/srv/x", "sha256:" + String(repeating: "g", count: 64), "checksum"),
    ]

    @Test(arguments: refusals.indices)
    func refuses(_ index: Int) {
        let (name, url, file, checksum, message) = Self.refusals[index]
        let error = #expect(throws: ImageImportError.self) { try ImageImport(name: name, url: url, file: file, checksum: checksum) }
        #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "")")
    }

    @Test func recordsRoundTripThroughTheirJSON() throws {
        let record = ImageRecord(name: "d12", state: .ready, source: "/srv/d.qcow2", sourceChecksum: "sha256:" + Self.hex, sourceFormat: "qcow2",
                                 rawBytes: 2 << 30, rawSHA256: Self.hex,
                                 blockMap: ImageBlockMap(blockBytes: 1 << 20, ranges: [.init(start: 0, count: 3), .init(start: 9, count: 1)]),
                                 mappedSHA256: Self.hex, storedBytes: 123_456, createdAt: "t0", updatedAt: "t1")
        #expect(ImageRecord(json: try JSONParser.parse(record.json.encoded())) == record)
        #expect(record.json["blockRanges"] == .string("0+3,9+1") && record.json["mappedBytes"] == .int(4 << 20))
        let failed = ImageRecord(name: "x", state: .failed, source: "http://h/x", error: "convert: qemu-img exit 1", createdAt: "t0", updatedAt: "t1")
        #expect(ImageRecord(json: failed.json) == failed)
        #expect(ImageRecord(json: .object([("name", .string("../x")), ("state", .string("ready"))])) == nil)
    }
}
