/// Request and profile paths under a served directory, checked before any file is touched.
public enum AssetPath {
    /// The components of a relative path, or nil when it could leave its root: empty, absolute,
    /// `.` or `..` components, backslashes (Windows-style separators some TFTP clients send),
    /// NUL or other control characters.
    public static func components(_ path: String) -> [String]? {
        guard !path.isEmpty, !path.hasPrefix("/"),
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" || $0.value == 0x7F })
        else { return nil }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty, !parts.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return parts
    }
}
