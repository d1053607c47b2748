/// The route class of a request path, a label with few values whatever paths clients send: MACs,
/// asset names and query strings stay out of metric labels.
enum HTTPRouteClass {
    static let apiResources: Set<String> = ["machines", "clusters", "leases", "profiles", "proxmox", "doctor", "power"]

    static func of(_ path: String) -> String {
        switch path {
        case "/boot.ipxe": return "boot-script"
        case "/healthz": return "healthz"
        case "/metrics": return "metrics"
        case "/": return "dashboard"
        default: break
        }
        if path.hasPrefix("/boot/") { return "boot-script" }
        for prefix in ["assets", "ipxe", "cloud-init"] where path.hasPrefix("/\(prefix)/") { return prefix }
        let parts = path.split(separator: "/", maxSplits: 3)
        if parts.count >= 3, parts[0] == "api", parts[1] == "v1", apiResources.contains(String(parts[2])) { return "api-\(parts[2])" }
        return "other"
    }
}
