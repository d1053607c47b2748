import Model
import Synchronization

/// A profile with its templates parsed: built once at start, rendered per machine.
public final class CompiledProfile: Sendable {
    public let profile: Profile
    /// A number no other compilation in this process has: a render cache tells a reloaded
    /// profile from the one it replaced, even when the name is the same.
    public let compilation: Int
    private static let compilations = Atomic<Int>(0)
    let cmdline: Template
    let userData: Template?
    let vendorData: Template?
    let networkConfig: Template?
    let networkInterfaces: Template?

    /// `sources` holds the text of every cloud-init file the profile names.
    public init(_ profile: Profile, sources: [String: String]) throws(TemplateError) {
        self.profile = profile
        compilation = Self.compilations.add(1, ordering: .relaxed).newValue
        cmdline = try Template(name: "profile \(profile.name) cmdline", source: profile.cmdline)
        func compile(_ file: String?) throws(TemplateError) -> Template? {
            guard let file else { return nil }
            guard let source = sources[file] else {
                throw TemplateError(template: file, line: 1, column: 1, message: "file not found in the cloud-init directory (profile \(profile.name))")
            }
            return try Template(name: file, source: source)
        }
        userData = try compile(profile.userData)
        vendorData = try compile(profile.vendorData)
        networkConfig = try compile(profile.networkConfig)
        networkInterfaces = try compile(profile.networkInterfaces)
    }

    public enum Payload: String, CaseIterable, Sendable {
        case userData = "user-data", vendorData = "vendor-data", networkConfig = "network-config"
    }

    /// `cluster`: the machine's cluster, when it is a member (templates then see `cluster` and,
    /// for k3s, `k3s`); `facts`: its hardware facts, when it has been commissioned.
    public func renderCmdline(machine: Machine, cluster: Cluster? = nil, facts: HardwareFacts? = nil, serverURL: String) throws(TemplateError) -> String {
        try cmdline.render(CloudInitContext.values(machine: machine, profile: profile, cluster: cluster, facts: facts, serverURL: serverURL),
                           escaping: .kernelCommandLine)
    }

    /// The profile's ENI text for meta-data's `network-interfaces`; nil when it has none. Each
    /// substitution must be one word (the command-line check: no spaces, quotes or line breaks).
    public func renderNetworkInterfaces(machine: Machine, cluster: Cluster? = nil, facts: HardwareFacts? = nil, serverURL: String) throws(TemplateError) -> String? {
        try networkInterfaces?.render(CloudInitContext.values(machine: machine, profile: profile, cluster: cluster, facts: facts, serverURL: serverURL),
                                      escaping: .kernelCommandLine)
    }

    /// The payload's YAML for this machine; nil when the profile has none.
    public func render(_ payload: Payload, machine: Machine, cluster: Cluster? = nil, facts: HardwareFacts? = nil, serverURL: String) throws(TemplateError) -> String? {
        let template: Template? = switch payload {
        case .userData: userData
        case .vendorData: vendorData
        case .networkConfig: networkConfig
        }
        return try template?.render(CloudInitContext.values(machine: machine, profile: profile, cluster: cluster, facts: facts, serverURL: serverURL),
                                    escaping: .yamlDoubleQuoted)
    }
}
