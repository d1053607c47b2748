import Boot
import Glibc

/// The build a profile's kernel comes from: the `version` line of the `VERSION` file that
/// `scripts/build-deploy-env` leaves next to the kernel and initrd it installs, so the profile
/// listing shows which deploy environment a machine would boot.
enum AssetBuildVersion {
    /// The version, nil when the kernel is a URL or its directory holds no readable VERSION.
    static func of(_ profile: Profile, in assets: ServedDirectory) -> String? {
        guard let kernel = profile.kernel, !kernel.hasPrefix("http://"), !kernel.hasPrefix("https://"),
              var components = AssetPath.components(kernel) else { return nil }
        components[components.count - 1] = "VERSION"
        guard let file = try? assets.open(components.joined(separator: "/")) else { return nil }
        defer { close(file.descriptor) }
        // The first line is all that matters; a file bigger than this is not one of ours.
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(file.descriptor, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let first = String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first ?? ""
        guard first.hasPrefix("version ") else { return nil }
        let version = first.dropFirst("version ".count)
        guard !version.isEmpty, version.count <= 64, version.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return String(version)
    }
}
