/// Content types for served assets, by file extension.
enum MediaTypes {
    private static let byExtension: [String: String] = [
        "ipxe": "text/plain; charset=utf-8", "txt": "text/plain; charset=utf-8", "cfg": "text/plain; charset=utf-8",
        "sha256": "text/plain; charset=utf-8", "sha512": "text/plain; charset=utf-8", "sum": "text/plain; charset=utf-8",
        "yaml": "application/yaml", "yml": "application/yaml", "json": "application/json", "html": "text/html; charset=utf-8",
        "iso": "application/x-iso9660-image", "gz": "application/gzip", "xz": "application/x-xz", "zst": "application/zstd",
        "tar": "application/x-tar", "qcow2": "application/octet-stream", "img": "application/octet-stream",
        "efi": "application/efi", "kpxe": "application/octet-stream", "pxe": "application/octet-stream",
        "squashfs": "application/octet-stream",
    ]

    static func forPath(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: ".") else { return "application/octet-stream" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
