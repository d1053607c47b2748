import Boot
import Foundation
import Synchronization

/// The profiles in one or more directories (`NAME.json`) with their cloud-init templates, read,
/// validated and parsed at start and again on `reload`.
///
/// Directories are searched in order and the first wins by name: an installed provisiond reads
/// `/etc/provisiond/profiles` (the operator's) before `/usr/local/share/provisiond/profiles`
/// (shipped, read-only), and looks a template up in `/etc/provisiond/cloud-init` before the
/// shipped one, so an operator overrides a shipped profile or template by writing one of the same
/// name and never edits the shipped copies.
public final class ProfileCatalog: Sendable {
    /// The profile directories, first wins.
    public let directories: [String]
    private let cloudInitDirectories: [String]
    private let requireDirectories: Bool
    private let loaded: Mutex<[String: CompiledProfile]>

    /// The profiles in use now (`reload` replaces them whole).
    public var profiles: [String: CompiledProfile] { loaded.withLock { $0 } }

    public init(profiles: [CompiledProfile], directories: [String] = [], cloudInitDirectories: [String] = [],
                requireDirectories: Bool = false) {
        self.directories = directories
        self.cloudInitDirectories = cloudInitDirectories
        self.requireDirectories = requireDirectories
        loaded = Mutex(Dictionary(uniqueKeysWithValues: profiles.map { ($0.profile.name, $0) }))
    }

    /// Loads every `*.json` of `directories` (the first holding a name wins) and the templates
    /// they name from the first of `cloudInitDirectories` that has them. A missing profile
    /// directory is skipped unless `requireDirectories` (the operator named them: a typo must not
    /// quietly refuse every machine); an unreadable one, a broken profile or a template found
    /// nowhere is an error naming the file, field or line.
    public static func load(directories: [String], cloudInitDirectories: [String],
                            requireDirectories: Bool = false) throws(StartupError) -> ProfileCatalog {
        let catalog = ProfileCatalog(profiles: [], directories: directories, cloudInitDirectories: cloudInitDirectories,
                                     requireDirectories: requireDirectories)
        try catalog.reload()
        return catalog
    }

    /// Reads the directories again (SIGHUP, `systemctl reload`) and swaps the new profiles in at
    /// once; on any error the profiles in use stay, and the error says what is wrong. Requests in
    /// progress keep the profile they were given.
    public func reload() throws(StartupError) {
        var files: [String: String] = [:]
        for directory in directories.reversed() {
            for (name, path) in try Self.profileFiles(directory, required: requireDirectories) { files[name] = path }
        }
        var profiles: [String: CompiledProfile] = [:]
        for (name, path) in files {
            guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("cannot read profile \(path)") }
            let profile: Profile
            do { profile = try Profile.parse(name: name, file: path, json: [UInt8](data)) } catch { throw StartupError(error.description) }
            var sources: [String: String] = [:]
            for file in [profile.userData, profile.vendorData, profile.networkConfig, profile.networkInterfaces].compactMap({ $0 }) {
                sources[file] = try Self.template(file, in: cloudInitDirectories, profile: path)
            }
            do { profiles[name] = try CompiledProfile(profile, sources: sources) } catch { throw StartupError(error.description) }
        }
        loaded.withLock { $0 = profiles }
    }

    /// One directory's profiles, name → path.
    private static func profileFiles(_ directory: String, required: Bool) throws(StartupError) -> [String: String] {
        if !FileManager.default.fileExists(atPath: directory) {
            if required { throw StartupError("profiles directory \(directory) does not exist") }
            return [:]
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw StartupError("cannot read profiles directory \(directory): \(Self.reason(error))")
        }
        var files: [String: String] = [:]
        for file in names where file.hasSuffix(".json") { files[String(file.dropLast(5))] = directory + "/" + file }
        return files
    }

    /// The template `file` from the first directory that has it. Only a file that does not exist
    /// falls through to the next directory; one that exists but cannot be read is an error.
    private static func template(_ file: String, in directories: [String], profile: String) throws(StartupError) -> String {
        for directory in directories {
            let path = directory + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw StartupError("profile \(profile): cannot read template \(path): \(Self.reason(error))")
            }
        }
        let tried = directories.map { $0 + "/" + file }.joined(separator: ", ")
        throw StartupError("profile \(profile): cannot read template \(file): not found (looked in \(tried))")
    }

    public func profile(_ name: String) -> CompiledProfile? { loaded.withLock { $0[name] } }

    /// Foundation's file errors wrap the errno (EACCES, EISDIR, bad UTF-8): name it.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(code))) }
        return (error as NSError).localizedDescription
    }
}
