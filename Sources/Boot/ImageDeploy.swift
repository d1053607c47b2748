import Model
import Wire

/// A profile of kind image (issue 14, "Deploy"): its machines boot the deploy environment, which
/// writes this image to the disk the rule picks. Profile JSON:
/// `"image": {"name": "debian-12", "targetDisk": "smallest", "wipe": false}`.
public struct ImageDeploy: Equatable, Sendable {
    /// An imported image's name (`provisionctl image import NAME`); whether it exists is decided
    /// at deploy time, so a profile can be loaded before its image is imported.
    public let image: String
    public let targetDisk: TargetDiskRule
    /// The rule as written, for messages.
    public let targetDiskText: String
    /// Overwrite a disk that holds a partition table even outside a reimage.
    public let wipe: Bool

    public init(image: String, targetDisk: String, wipe: Bool) throws(ImageDeployError) {
        guard ImageRecord.isValidName(image) else {
            throw ImageDeployError(field: "name", message: "\"\(image)\" is not an image name (1–64 of a-z 0-9 . _ -, not starting with a dot)")
        }
        guard let rule = TargetDiskRule(targetDisk) else {
            throw ImageDeployError(field: "targetDisk", message: "\"\(targetDisk)\" is not a target-disk rule "
                + "(smallest, largest, /dev/disk/by-id/NAME, serial:GLOB, model:GLOB)")
        }
        self.image = image
        self.targetDisk = rule
        self.targetDiskText = targetDisk
        self.wipe = wipe
    }

    static let keys: Set<String> = ["name", "targetDisk", "wipe"]

    /// The profile's `image` object; `targetDisk` defaults to `smallest`, `wipe` to false.
    public static func parse(_ value: JSONValue) throws(ImageDeployError) -> ImageDeploy {
        guard let members = value.objectValue else { throw ImageDeployError(field: nil, message: "must be an object, not \(value.typeName)") }
        for (key, _) in members where !keys.contains(key) {
            throw ImageDeployError(field: key, message: "unknown field (known: \(keys.sorted().joined(separator: ", ")))")
        }
        guard let name = value["name"]?.stringValue else { throw ImageDeployError(field: "name", message: "missing, or not a string") }
        var rule = "smallest"
        if let member = value["targetDisk"] {
            guard let text = member.stringValue else { throw ImageDeployError(field: "targetDisk", message: "must be a string, not \(member.typeName)") }
            rule = text
        }
        var wipe = false
        if let member = value["wipe"] {
            guard case .bool(let flag) = member else { throw ImageDeployError(field: "wipe", message: "must be true or false, not \(member.typeName)") }
            wipe = flag
        }
        return try ImageDeploy(image: name, targetDisk: rule, wipe: wipe)
    }
}

public struct ImageDeployError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The member of the `image` object, nil for the object itself.
    public let field: String?
    public let message: String

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
