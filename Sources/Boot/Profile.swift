import Wire

/// A boot profile (`profiles/NAME.json`): what a machine registered with it installs from.
public struct Profile: Equatable, Sendable {
    public let name: String
    public let description: String
    /// An asset path under the assets directory, or an absolute http(s) URL; nil for a profile
    /// that never installs from the network (the machine boots its own disk).
    public let kernel: String?
    /// Initrds in load order (asset paths or URLs).
    public let initrds: [String]
    /// The kernel command line, a template (rendered with kernel command-line escaping).
    public let cmdline: String
    /// cloud-init templates, file names in the cloud-init directory.
    public let userData: String?
    public let vendorData: String?
    public let networkConfig: String?
    /// An ENI (`/etc/network/interfaces`) template served inside meta-data as
    /// `network-interfaces`: cloud-init before 24.1 (Debian 12's 22.4) never fetches
    /// `network-config` from an HTTP seed, and reads only this (DataSourceNoCloud
    /// `_network_eni`). 24.1+ fetches network-config and prefers it.
    public let networkInterfaces: String?
    /// Values the templates see besides the built-in ones (`machine`, `server_url`, ...).
    public let variables: [String: TemplateValue]
    /// Seconds a machine may stay `booting`/`installing` without a report before it fails; nil
    /// means the server's `--install-timeout`.
    public let installTimeout: Double?
    /// How this profile's machines prove a boot-plane request is theirs; nil means the server's
    /// `--metadata-trust` (DESIGN.md §11).
    public let metadataTrust: MetadataTrust?
    /// Set for a profile of kind image: its kernel is the deploy environment, which writes this
    /// image to a disk; nil for every other profile.
    public let image: ImageDeploy?

    public init(name: String, description: String = "", kernel: String?, initrds: [String], cmdline: String, userData: String? = nil,
                vendorData: String? = nil, networkConfig: String? = nil, networkInterfaces: String? = nil,
                variables: [String: TemplateValue] = [:], installTimeout: Double? = nil, metadataTrust: MetadataTrust? = nil,
                image: ImageDeploy? = nil) {
        self.name = name
        self.description = description
        self.kernel = kernel
        self.initrds = initrds
        self.cmdline = cmdline
        self.userData = userData
        self.vendorData = vendorData
        self.networkConfig = networkConfig
        self.networkInterfaces = networkInterfaces
        self.variables = variables
        self.installTimeout = installTimeout
        self.metadataTrust = metadataTrust
        self.image = image
    }

    static let keys: Set<String> = ["description", "kernel", "initrd", "cmdline", "userData", "vendorData", "networkConfig",
                                    "networkInterfaces", "variables", "installTimeout", "metadataTrust", "image"]

    /// Reads a profile from its JSON; every error names the file and the field.
    public static func parse(name: String, file: String, json bytes: [UInt8]) throws(ProfileError) -> Profile {
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch { throw ProfileError(file: file, field: nil, message: error.description) }
        guard let members = document.objectValue else { throw ProfileError(file: file, field: nil, message: "must be a JSON object") }
        for (key, _) in members where !keys.contains(key) {
            throw ProfileError(file: file, field: key, message: "unknown field (known: \(keys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String, required: Bool) throws(ProfileError) -> String {
            guard let value = document[key] else {
                if required { throw ProfileError(file: file, field: key, message: "missing") }
                return ""
            }
            guard let text = value.stringValue else { throw ProfileError(file: file, field: key, message: "must be a string, not \(value.typeName)") }
            return text
        }
        let kernel: String? = document["kernel"] == nil ? nil : try string("kernel", required: true)
        if let kernel { try checkSource(kernel, file: file, field: "kernel") }
        var initrds: [String] = []
        switch document["initrd"] {
        case nil: break
        case .string(let one)?: initrds = [one]
        case .array(let items)?:
            for item in items {
                guard let text = item.stringValue else { throw ProfileError(file: file, field: "initrd", message: "must list strings, not \(item.typeName)") }
                initrds.append(text)
            }
        case let other?: throw ProfileError(file: file, field: "initrd", message: "must be a string or a list of strings, not \(other.typeName)")
        }
        for initrd in initrds { try checkSource(initrd, file: file, field: "initrd") }
        let cmdline = try string("cmdline", required: false)
        if kernel == nil, !initrds.isEmpty || !cmdline.isEmpty {
            throw ProfileError(file: file, field: "kernel", message: "missing: initrd and cmdline need a kernel")
        }
        guard !cmdline.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw ProfileError(file: file, field: "cmdline", message: "must be one line")
        }
        func templateFile(_ key: String) throws(ProfileError) -> String? {
            guard document[key] != nil else { return nil }
            let file = try string(key, required: true)
            guard AssetPath.components(file) != nil else {
                throw ProfileError(file: file, field: key, message: "\"\(file)\" must be a file name in the cloud-init directory")
            }
            return file
        }
        var variables: [String: TemplateValue] = [:]
        if let value = document["variables"] {
            guard let members = value.objectValue else { throw ProfileError(file: file, field: "variables", message: "must be an object") }
            for (key, member) in members {
                guard !CloudInitContext.builtIn.contains(key) else {
                    throw ProfileError(file: file, field: "variables", message: "\"\(key)\" is a built-in name and cannot be redefined")
                }
                guard let converted = TemplateValue(json: member) else {
                    throw ProfileError(file: file, field: "variables", message: "\"\(key)\" must be a string, boolean, or a list or object of them")
                }
                variables[key] = converted
            }
        }
        var metadataTrust: MetadataTrust?
        if document["metadataTrust"] != nil {
            let text = try string("metadataTrust", required: true)
            guard let trust = MetadataTrust.parse(text) else {
                throw ProfileError(file: file, field: "metadataTrust", message: "\"\(text)\" is not one of \(MetadataTrust.names)")
            }
            metadataTrust = trust
        }
        var image: ImageDeploy?
        if let value = document["image"] {
            do { image = try ImageDeploy.parse(value) } catch {
                throw ProfileError(file: file, field: error.field.map { "image.\($0)" } ?? "image", message: error.message)
            }
            // The deploy environment writes the image: without a kernel nothing would boot it.
            guard kernel != nil else { throw ProfileError(file: file, field: "kernel", message: "missing: a profile with an image boots the deploy environment") }
        }
        return Profile(name: name, description: try string("description", required: false), kernel: kernel, initrds: initrds, cmdline: cmdline,
                       userData: try templateFile("userData"), vendorData: try templateFile("vendorData"),
                       networkConfig: try templateFile("networkConfig"), networkInterfaces: try templateFile("networkInterfaces"),
                       variables: variables, installTimeout: try installTimeout(document["installTimeout"], file: file),
                       metadataTrust: metadataTrust, image: image)
    }

    /// The longest install timeout a profile may set: a week.
    public static let installTimeoutLimit = 604_800.0

    /// `installTimeout`: a number of seconds, more than 0 and at most a week.
    private static func installTimeout(_ value: JSONValue?, file: String) throws(ProfileError) -> Double? {
        guard let value else { return nil }
        guard case .number(let text) = value, let seconds = Double(text), seconds > 0, seconds <= installTimeoutLimit else {
            throw ProfileError(file: file, field: "installTimeout",
                               message: "must be a number of seconds above 0 and at most \(Int(installTimeoutLimit)), not \(value.encoded())")
        }
        return seconds
    }

    /// An http(s) URL, or a relative asset path that cannot leave the assets directory.
    private static func checkSource(_ source: String, file: String, field: String) throws(ProfileError) {
        if source.hasPrefix("http://") || source.hasPrefix("https://") { return }
        guard AssetPath.components(source) != nil else {
            throw ProfileError(file: file, field: field, message: "\"\(source)\" is neither an http(s) URL nor a relative asset path without '..'")
        }
    }

    /// The file name iPXE gives an initrd: the last path component.
    public static func fileName(of source: String) -> String {
        let withoutQuery = source.split(separator: "?", maxSplits: 1).first.map(String.init) ?? source
        return withoutQuery.split(separator: "/").last.map(String.init) ?? withoutQuery
    }
}

public struct ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let field: String?
    public let message: String

    public var description: String {
        if let field { return "profile \(file): field \"\(field)\": \(message)" }
        return "profile \(file): \(message)"
    }
}
