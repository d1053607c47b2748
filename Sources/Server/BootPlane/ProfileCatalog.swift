import Boot
import Foundation

/// The profiles in a directory (`NAME.json`) with their cloud-init templates, read, validated
/// and parsed once at start.
public struct ProfileCatalog: Sendable {
    public let directory: String
    public let profiles: [String: CompiledProfile]

    public init(profiles: [CompiledProfile], directory: String = "") {
        self.directory = directory
        self.profiles = Dictionary(uniqueKeysWithValues: profiles.map { ($0.profile.name, $0) })
    }

    /// Loads every `*.json` in `directory` and the templates they name from `cloudInitDirectory`;
    /// a missing directory is an empty catalog, an unreadable one, a broken profile or template an
    /// error naming the file, field or line.
    public static func load(directory: String, cloudInitDirectory: String) throws(StartupError) -> ProfileCatalog {
        guard FileManager.default.fileExists(atPath: directory) else { return ProfileCatalog(profiles: [], directory: directory) }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw StartupError("cannot read profiles directory \(directory): \(Self.reason(error))")
        }
        var profiles: [CompiledProfile] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("cannot read profile \(path)") }
            let profile: Profile
            do { profile = try Profile.parse(name: name, file: path, json: [UInt8](data)) } catch { throw StartupError(error.description) }
            var sources: [String: String] = [:]
            for file in [profile.userData, profile.vendorData, profile.networkConfig, profile.networkInterfaces].compactMap({ $0 }) {
                let templatePath = cloudInitDirectory + "/" + file
                do { sources[file] = try String(contentsOfFile: templatePath, encoding: .utf8) } catch {
                    throw StartupError("profile \(path): cannot read template \(templatePath): \(Self.reason(error))")
                }
            }
            do { profiles.append(try CompiledProfile(profile, sources: sources)) } catch { throw StartupError(error.description) }
        }
        return ProfileCatalog(profiles: profiles, directory: directory)
    }

    public func profile(_ name: String) -> CompiledProfile? { profiles[name] }

    /// Foundation's file errors wrap the errno (EACCES, EISDIR, bad UTF-8): name it.
    private static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let code = underlying?.code, underlying?.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(code))) }
        return (error as NSError).localizedDescription
    }
}
