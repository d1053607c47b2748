import Boot
import Inventory
import Wire

/// NoCloud over HTTP, `/cloud-init/MAC/...` (DESIGN.md §7): what an installer or a cloud image
/// reads, and where it reports back. The MAC may be in any form, with or without a trailing slash.
struct CloudInitEndpoint: Sendable {
    let inventory: Inventory
    let profiles: ProfileCatalog
    /// How machines reach us; nil means the address each request arrived on.
    let serverURL: String?
    let origin: OriginGuard
    let log: Logger
    /// The payloads and boot scripts rendered last, per machine (the boot plane's too).
    var renders = RenderCache()

    func handle(_ request: HTTPRequest, _ context: RequestContext, path: String) -> HTTPResponse {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return .error(404, "expected /cloud-init/MAC/meta-data, user-data, phone-home or failed") }
        let mac: MACAddress
        do { mac = try MACAddress(parts[0]) } catch { return .error(400, error.description) }
        var response: HTTPResponse
        do {
            guard let machine = try inventory.machine(mac) else { return .error(404, "no machine with MAC \(mac)") }
            // Everything here is the machine's own: its payloads carry its install token.
            if let refusal = try origin.refusal(machine, from: context.peer, what: parts[1]) {
                var refused = refusal
                refused.subjectMAC = mac.description
                return refused
            }
            switch (request.method, parts[1]) {
            case ("GET", "meta-data"), ("HEAD", "meta-data"): response = try metaData(machine, server: context.serverURL(override: serverURL))
            case ("GET", "k3s-config"), ("HEAD", "k3s-config"): response = try K3sConfigResponder(inventory: inventory, log: log).respond(machine, request)
            case ("GET", let name), ("HEAD", let name):
                guard let payload = CompiledProfile.Payload(rawValue: name) else {
                    response = .error(404, "no such cloud-init resource: \(name)")
                    break
                }
                response = try serve(payload, machine, server: context.serverURL(override: serverURL), fetch: request.method == "GET")
            case ("POST", "phone-home"): response = try InstallReportResponder(inventory: inventory, log: log).respond(.phoneHome, machine, request)
            case ("POST", "failed"): response = try InstallReportResponder(inventory: inventory, log: log).respond(.failed, machine, request)
            case (_, "meta-data"): response = .error(405, "meta-data is fetched with GET")
            case (_, "phone-home"), (_, "failed"): response = .error(405, "\(parts[1]) is reported with POST")
            default: response = .error(404, "no such cloud-init resource: \(parts[1])")
            }
        } catch {
            log.error("cloud-init-failed", ["mac": mac.description, "error": error.description])
            response = APIError(error).response
        }
        response.subjectMAC = mac.description
        return response
    }

    /// Always served: the instance-id (new on every reimage, so cloud-init runs again), the host
    /// name, and the profile's network-interfaces when it has some.
    private func metaData(_ machine: Machine, server: String) throws(InventoryError) -> HTTPResponse {
        do {
            return HTTPResponse(status: 200, contentType: "text/yaml; charset=utf-8", body: try metaDataText(machine, server: server))
        } catch {
            return try renderFailed(machine, "meta-data", error)
        }
    }

    /// meta-data's text for `machine`, with no side effects. `network-interfaces` (ENI text,
    /// from the profile's `networkInterfaces`) is the only network configuration cloud-init
    /// before 24.1 takes from an HTTP seed: 22.4's read_seeded fetches meta-data, user-data and
    /// vendor-data, never network-config (DataSourceNoCloud `_network_eni`).
    func metaDataText(_ machine: Machine, server: String) throws(TemplateError) -> String {
        var text = "instance-id: \(machine.instanceID)\n"
        if let hostname = machine.hostname { text += "local-hostname: \(hostname)\n" }
        guard let profile = machine.profile.flatMap(profiles.profile) else { return text }
        let cluster = (try? inventory.cluster(of: machine)) ?? nil
        if let interfaces = try profile.renderNetworkInterfaces(machine: machine, cluster: cluster, serverURL: server) {
            text += "network-interfaces: \(TemplateEscaping.quoteYAML(interfaces))\n"
        }
        return text
    }

    /// A template that does not render: recorded on the machine, logged, and a 500.
    private func renderFailed(_ machine: Machine, _ what: String, _ error: TemplateError) throws(InventoryError) -> HTTPResponse {
        try inventory.record("render-failed", for: machine.mac, source: "http", detail: error.description)
        log.error("render-failed", ["mac": machine.mac.description, "payload": what, "error": error.description])
        return .error(500, error.description)
    }

    /// A payload's text for `machine`, with no side effects; nil when it has none to serve.
    func preview(_ payload: CompiledProfile.Payload, _ machine: Machine, server: String) throws(TemplateError) -> String? {
        guard let profile = machine.profile.flatMap(profiles.profile) else { return nil }
        // A store failure renders without the cluster: templates that need it then name it.
        let cluster = (try? inventory.cluster(of: machine)) ?? nil
        let facts = (try? inventory.facts(of: machine.mac))??.facts
        let inputs = RenderCache.Inputs(machine: machine, cluster: cluster, facts: facts, compilation: profile.compilation, serverURL: server)
        if let text = try renders.text(payload.rawValue, inputs, render: { () throws(TemplateError) in
            try profile.render(payload, machine: machine, cluster: cluster, facts: facts, serverURL: server)
        }) { return text }
        // NoCloud needs user-data to exist; an empty cloud-config changes nothing.
        switch payload {
        case .userData: return "#cloud-config\n{}\n"
        case .vendorData: return ""
        case .networkConfig: return nil
        }
    }

    /// user-data, vendor-data and network-config rendered from the machine's profile. The first
    /// user-data GET of a pending install moves the machine to `installing`; a HEAD (`fetch`
    /// false) never changes anything.
    private func serve(_ payload: CompiledProfile.Payload, _ machine: Machine, server: String, fetch: Bool) throws(InventoryError) -> HTTPResponse {
        let text: String?
        do { text = try preview(payload, machine, server: server) } catch {
            return try renderFailed(machine, payload.rawValue, error)
        }
        guard let text else {
            return .error(404, "\(payload.rawValue) for \(machine.mac): profile \(machine.profile ?? "none") has none")
        }
        if fetch, payload == .userData, machine.state == .registered || machine.state == .booting {
            let name = machine.profile ?? ""
            let updated = try inventory.apply(.fetchUserData, to: machine.mac, source: "http", detail: "profile=\(name)")
            log.info("transition", ["mac": machine.mac.description, "event": "fetch-user-data", "to": updated.state.rawValue])
        }
        return Self.yaml(text)
    }

    private static func yaml(_ text: String) -> HTTPResponse {
        var response = HTTPResponse(status: 200, contentType: "text/yaml; charset=utf-8", body: text)
        response.headers.add("Cache-Control", "no-store")
        return response
    }
}
