import Boot
import Foundation

/// The profiles in a directory (`NAME.json`), read and validated once at start.
public struct ProfileCatalog: Sendable {
    public let directory: String
    public let profiles: [String: Profile]

    public init(profiles: [Profile], directory: String = "") {
        self.directory = directory
        self.profiles = Dictionary(uniqueKeysWithValues: profiles.map { ($0.name, $0) })
    }

    /// Loads every `*.json` in `directory`; a missing directory is an empty catalog, a broken
    /// profile an error naming the file and field.
    public static func load(directory: String) throws(StartupError) -> ProfileCatalog {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return ProfileCatalog(profiles: [], directory: directory)
        }
        var profiles: [Profile] = []
        for file in names.sorted() where file.hasSuffix(".json") {
            let name = String(file.dropLast(5))
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("cannot read profile \(path)") }
            do {
                profiles.append(try Profile.parse(name: name, file: path, json: [UInt8](data)))
            } catch {
                throw StartupError(error.description)
            }
        }
        return ProfileCatalog(profiles: profiles, directory: directory)
    }

    public func profile(_ name: String) -> Profile? { profiles[name] }
}
