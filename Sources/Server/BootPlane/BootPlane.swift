import Boot
import Inventory
import Wire

/// The boot plane that machines on the provisioning network talk to, unauthenticated: iPXE
/// scripts chosen by each machine's lifecycle state, and the assets they load.
struct BootPlane: Sendable {
    let inventory: Inventory
    let profiles: ProfileCatalog
    let assets: AssetResponder
    /// The iPXE binaries over HTTP, for UEFI HTTP boot (DHCP hands out `/ipxe/ipxe.efi`).
    let ipxe: AssetResponder
    let discovery: DiscoveryPolicy
    /// How machines reach us; nil means the address each request arrived on.
    let serverURL: String?
    let cloudInit: CloudInitEndpoint
    /// What each machine last asked for, for a timed-out install's event.
    let lastSeen: BootPlaneLastSeen
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        let response = route(request, context)
        if let mac = response.subjectMAC {
            lastSeen.record(mac: mac, request: "\(request.method) \(request.path) (\(response.status))", from: context.peer.hostText)
        }
        return response
    }

    private func route(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        let path = request.path
        if path == "/healthz" { return .json(200, .object([("status", .string("ok"))])) }
        if path.hasPrefix("/assets/") { return assets.respond(to: request, path: String(path.dropFirst("/assets/".count))) }
        if path.hasPrefix("/ipxe/") { return ipxe.respond(to: request, path: String(path.dropFirst("/ipxe/".count))) }
        if path.hasPrefix("/cloud-init/") { return cloudInit.handle(request, context, path: String(path.dropFirst("/cloud-init/".count))) }
        if path == "/boot.ipxe" { return bootScript(macText: request.queryValue("mac"), request, context) }
        // For firmware that cannot send a query: /boot/MAC.ipxe.
        if path.hasPrefix("/boot/"), path.hasSuffix(".ipxe") {
            return bootScript(macText: String(path.dropFirst("/boot/".count).dropLast(".ipxe".count)), request, context)
        }
        return .error(404, "no such endpoint: \(path)")
    }

    private func bootScript(macText: String?, _ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return .error(405, "boot scripts are fetched with GET") }
        guard let macText else { return .error(400, "missing mac: fetch /boot.ipxe?mac=${net0/mac}") }
        let mac: MACAddress
        do { mac = try MACAddress(macText) } catch { return .error(400, error.description) }
        var response: HTTPResponse
        do {
            response = script(try bootDecision(mac), mac: mac, server: context.serverURL(override: serverURL))
        } catch {
            log.error("boot-script-failed", ["mac": mac.description, "error": error.description])
            response = .error(500, error.description)
        }
        response.subjectMAC = mac.description
        return response
    }

    /// What a machine would be served, with no side effects: the decision for its state, the
    /// profile to install, and why an install is refused if it is.
    func plan(_ machine: Machine?) -> (decision: BootDecision, profile: CompiledProfile?, refusal: String?) {
        let state = machine.flatMap { $0.state == .discovered ? nil : $0.state }
        let decision = BootPolicy.decide(state: state, discovery: discovery)
        guard case .install = decision, let machine else { return (decision, nil, nil) }
        let profileName = machine.profile ?? ""
        guard let profile = profiles.profile(profileName) else {
            let reason = "profile \"\(profileName)\" does not exist in \(profiles.directory)"
            return (.localDisk(reason: reason), nil, reason)
        }
        // A profile without a kernel never installs from the network: its machines boot their
        // own disk, and their cloud-init talks to us from there.
        guard profile.profile.kernel != nil else { return (.localDisk(reason: "profile \(profileName) boots the local disk"), nil, nil) }
        return (decision, profile, nil)
    }

    /// The script `mac` would get now, without recording anything (`provisionctl render`).
    func preview(_ mac: MACAddress, server: String) throws -> String {
        let machine = try inventory.machine(mac)
        let planned = plan(machine)
        return try scriptText(planned.decision, machine, planned.profile, mac: mac, server: server)
    }

    /// Decides, records what the decision implies (a discovery, a refusal, the move to booting),
    /// and returns what to render.
    private func bootDecision(_ mac: MACAddress) throws(InventoryError) -> (BootDecision, Machine?, CompiledProfile?) {
        var machine = try inventory.machine(mac)
        if machine == nil {
            machine = try inventory.discover(mac, source: "http", detail: "requested a boot script")
            log.info("discovered", ["mac": mac.description, "via": "http"])
        }
        guard var current = machine else { throw .notFound(mac) }
        let planned = plan(current)
        if let refusal = planned.refusal {
            try inventory.record("boot-refused", for: mac, source: "http", detail: refusal)
            log.warning("boot-refused", ["mac": mac.description, "reason": refusal])
        }
        if case .install(let event?) = planned.decision, let profile = planned.profile {
            current = try inventory.apply(event, to: mac, source: "http", detail: "profile=\(profile.profile.name)")
            log.info("transition", ["mac": mac.description, "event": event.rawValue, "to": current.state.rawValue])
        }
        return (planned.decision, current, planned.profile)
    }

    private func script(_ decided: (BootDecision, Machine?, CompiledProfile?), mac: MACAddress, server: String) -> HTTPResponse {
        let text: String
        do { text = try scriptText(decided.0, decided.1, decided.2, mac: mac, server: server) } catch {
            log.error("cmdline-render-failed", ["mac": mac.description, "error": "\(error)"])
            return .error(500, "\(error)")
        }
        var response = HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: text)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private func scriptText(_ decision: BootDecision, _ machine: Machine?, _ profile: CompiledProfile?, mac: MACAddress,
                            server: String) throws(TemplateError) -> String {
        switch (decision, machine, profile) {
        case (.install, let machine?, let profile?):
            let cluster = (try? inventory.cluster(of: machine)) ?? nil
            let cmdline = try profile.renderCmdline(machine: machine, cluster: cluster, serverURL: server)
            return IPXEScript.install(machine: machine, profile: profile.profile, cmdline: cmdline, serverURL: server)
        case (.hold(let reason), _, _): return IPXEScript.hold(mac: mac, reason: reason, serverURL: server)
        case (.localDisk(let reason), _, _): return IPXEScript.localDisk(mac: mac, reason: reason)
        default: return IPXEScript.localDisk(mac: mac, reason: "no install is possible")
        }
    }
}
