import Boot
import Glibc

/// A directory whose files are served read-only (HTTP assets, the TFTP root). Every open is
/// checked so that no request path, and no symlink inside the directory, reaches a file outside it.
public struct ServedDirectory: Sendable {
    public let root: String
    /// Whether symlinks may lead out of the directory: only for trusted system directories, e.g.
    /// Debian links /usr/lib/ipxe/ipxe.efi to /boot/ipxe.efi.
    public let trustsSymlinks: Bool

    public init(root: String, trustsSymlinks: Bool = false) {
        self.root = root
        self.trustsSymlinks = trustsSymlinks
    }

    public enum OpenError: Error, Equatable, CustomStringConvertible {
        /// The path tries to leave the directory (`..`, absolute, backslash, NUL, a symlink out).
        case escapes(String)
        case notFound(String)
        /// Exists but is not a regular file, or cannot be read.
        case notReadable(String)
        /// The process or the system has no file descriptor left (EMFILE, ENFILE): the file is
        /// fine, the server is busy.
        case outOfDescriptors(String)

        public var description: String {
            switch self {
            case .escapes(let path): "path \"\(path)\" leaves the served directory"
            case .notFound(let path): "\(path) not found"
            case .notReadable(let path): "\(path) is not a readable file"
            case .outOfDescriptors(let path): "no file descriptor left to open \(path)"
            }
        }
    }

    /// An open regular file: descriptor (owned by the caller), size and modification time.
    public struct OpenFile: Sendable {
        public let descriptor: Int32
        public let size: Int
        public let modified: Int
        public let modifiedNanoseconds: Int
    }

    public func open(_ relativePath: String) throws(OpenError) -> OpenFile {
        guard let components = AssetPath.components(relativePath) else { throw .escapes(relativePath) }
        guard let rootReal = Self.realPath(root) else { throw .notFound(relativePath) }
        let candidate = rootReal + "/" + components.joined(separator: "/")
        guard let real = Self.realPath(candidate) else { throw .notFound(relativePath) }
        // A symlink inside the directory may point anywhere: what counts is where it leads.
        guard trustsSymlinks || real.hasPrefix(rootReal + "/") else { throw .escapes(relativePath) }
        // O_NOFOLLOW: the resolved name must not have been swapped for a symlink since.
        let fd = Glibc.open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .notFound(relativePath)
            case EMFILE, ENFILE: throw .outOfDescriptors(relativePath)
            default: throw .notReadable(relativePath)
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .notReadable(relativePath)
        }
        return OpenFile(descriptor: fd, size: Int(info.st_size), modified: Int(info.st_mtim.tv_sec),
                        modifiedNanoseconds: Int(info.st_mtim.tv_nsec))
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
