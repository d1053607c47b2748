import Inventory
import Wire

/// What every template sees (DESIGN.md §7): the machine, how to reach provisiond, and the
/// profile's own variables.
public enum CloudInitContext {
    /// Names profiles may not redefine.
    public static let builtIn: Set<String> = ["machine", "server_url", "cloud_init_url", "phone_home_url", "failed_url", "install_token"]

    public static func values(machine: Machine, profile: Profile, serverURL: String) -> [String: TemplateValue] {
        let base = "\(serverURL)/cloud-init/\(machine.mac)/"
        var context = profile.variables
        context["machine"] = .map([
            "mac": .string(machine.mac.description),
            "hostname": .string(machine.hostname ?? ""),
            "profile": .string(machine.profile ?? ""),
            "role": .string(machine.role ?? ""),
            "cluster": .string(machine.cluster ?? ""),
            "ip": .string(machine.ip?.description ?? ""),
            "instance_id": .string(machine.instanceID),
            "labels": .map(machine.labels.mapValues(TemplateValue.string)),
            "nics": .list(machine.nics.map { .string($0.description) }),
        ])
        context["server_url"] = .string(serverURL)
        // NoCloud's seed URL (`ds=nocloud;s=...`): cloud-init appends meta-data, user-data, ...
        context["cloud_init_url"] = .string(base)
        context["phone_home_url"] = .string("\(base)phone-home?token=\(machine.installToken)")
        context["failed_url"] = .string("\(base)failed?token=\(machine.installToken)")
        context["install_token"] = .string(machine.installToken)
        return context
    }
}
