/// What an operator asks to import: a name, where from, and optionally the source's checksum.
public struct ImageImport: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        /// Downloaded by the server.
        case url(String)
        /// A file on the server's own file system.
        case file(String)

        public var text: String {
            switch self {
            case .url(let url): url
            case .file(let path): path
            }
        }
    }

    public let name: String
    public let source: Source
    /// Lowercase hex SHA-256 the source must have.
    public let checksum: String?

    /// Checks every field; the error says which is wrong and how.
    public init(name: String, url: String?, file: String?, checksum: String?) throws(ImageImportError) {
        guard ImageRecord.isValidName(name) else {
            throw ImageImportError("image name \"\(name)\" must be 1-64 of a-z, 0-9, '.', '_', '-' (not starting with '.')")
        }
        switch (url, file) {
        case (let url?, nil):
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), !url.contains(where: { $0.isWhitespace }) else {
                throw ImageImportError("url \"\(url)\" must be an http(s) URL")
            }
            source = .url(url)
        case (nil, let file?):
            guard file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
                throw ImageImportError("file \"\(file)\" must be an absolute path on the server, without '..'")
            }
            source = .file(file)
        default: throw ImageImportError("give exactly one of url and file")
        }
        if let checksum {
            guard let hex = ImageRecord.sha256Checksum(checksum) else {
                throw ImageImportError("checksum \"\(checksum)\" must be sha256: and 64 hex digits")
            }
            self.checksum = hex
        } else {
            self.checksum = nil
        }
        self.name = name
    }
}

public struct ImageImportError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
