import Model
import Wire

/// What every template sees (DESIGN.md §7): the machine, how to reach provisiond, and the
/// profile's own variables.
public enum CloudInitContext {
    /// Names profiles may not redefine.
    public static let builtIn: Set<String> = ["machine", "server_url", "cloud_init_url", "nocloud_seed", "phone_home_url", "failed_url",
                                              "install_token", "cluster", "k3s", "report", "facts"]

    /// `facts`: the machine's latest hardware facts; without them templates see `facts` empty.
    public static func values(machine: Machine, profile: Profile, cluster: Cluster? = nil, facts: HardwareFacts? = nil,
                              serverURL: String) -> [String: TemplateValue] {
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
        context["facts"] = facts?.templateValue ?? .map([:])
        context["server_url"] = .string(serverURL)
        // NoCloud's seed URL: cloud-init appends meta-data, user-data, vendor-data (and 24.1+
        // network-config) to it.
        context["cloud_init_url"] = .string(base)
        // The seed as a kernel command line word: the one form every tested cloud-init reads in
        // network mode (NoCloudSeedForm); installers with their own syntax use cloud_init_url.
        context["nocloud_seed"] = .string(NoCloudSeedForm.text(seedURL: base))
        context["phone_home_url"] = .string("\(base)phone-home?token=\(machine.installToken)")
        context["failed_url"] = .string("\(base)failed?token=\(machine.installToken)")
        context["install_token"] = .string(machine.installToken)
        // cloud-init's verdict goes back to provisiond through this script and unit (ReportScript).
        context["report"] = .map([
            "script": .string(ReportScript.script(phoneHomeURL: "\(base)phone-home?token=\(machine.installToken)",
                                                  failedURL: "\(base)failed?token=\(machine.installToken)")),
            "script_path": .string(ReportScript.scriptPath),
            "unit": .string(ReportScript.unit),
            "unit_path": .string(ReportScript.unitPath),
            "unit_name": .string(ReportScript.unitName),
        ])
        if let cluster, cluster.name == machine.cluster {
            let roles = (machine.role ?? "").split(separator: ",").map { TemplateValue.string(String($0)) }
            context["cluster"] = .map([
                "name": .string(cluster.name),
                "kind": .string(cluster.kind.rawValue),
                "version": .string(cluster.version ?? ""),
                "tls_sans": .list(cluster.tlsSANs.map(TemplateValue.string)),
                "roles": .list(roles),
            ])
            if cluster.kind == .k3s {
                context["k3s"] = .map([
                    "role": .string(machine.role ?? ""),
                    "version": .string(cluster.version ?? ""),
                    "first_server": .bool(machine.mac == cluster.firstServer),
                    // The join config is fetched at boot, once the first server is installed
                    // (K3sNode): the token in the query, like phone-home's.
                    "config_url": .string("\(base)k3s-config?token=\(machine.installToken)"),
                ])
            }
        }
        return context
    }
}
