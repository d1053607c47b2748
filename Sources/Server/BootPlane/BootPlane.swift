import Boot
import Inventory
import Net
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
    /// The profile held, discovered machines boot until they have reported their facts.
    let commissionProfile: String?
    /// How machines reach us; nil means the address each request arrived on.
    let serverURL: String?
    let cloudInit: CloudInitEndpoint
    /// Imported images, which the deploy environment streams.
    let images: ImageStore
    let discoveries: DiscoveryRecorder
    /// What each machine last asked for, for a timed-out install's event.
    let lastSeen: BootPlaneLastSeen
    let origin: OriginGuard
    /// The database and each plane, for `/healthz`.
    let health: ServiceHealth
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        let response = route(request, context)
        if let mac = response.subjectMAC {
            lastSeen.record(mac: mac, .init(method: request.method, path: request.path, status: response.status, from: context.peer,
                                            at: Timestamp.unixMilliseconds()))
        }
        return response
    }

    private func route(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        let path = request.path
        if path == "/healthz" { return health.response(request) }
        if path.hasPrefix("/assets/") { return assets.respond(to: request, path: String(path.dropFirst("/assets/".count))) }
        if path.hasPrefix("/ipxe/") { return ipxe.respond(to: request, path: String(path.dropFirst("/ipxe/".count))) }
        if path.hasPrefix("/deploy/") {
            return DeployEndpoint(inventory: inventory, profiles: profiles, images: images, serverURL: serverURL, origin: origin, log: log)
                .handle(request, context, path: String(path.dropFirst("/deploy/".count)))
        }
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
            // A HEAD learns what a GET would get, and changes nothing (no discovery, no booting).
            let planned = request.method == "HEAD" ? plan(try inventory.machine(mac)) : try bootDecision(mac, from: context.peer)
            response = script(planned, mac: mac, server: context.serverURL(override: serverURL))
        } catch {
            log.error("boot-script-failed", ["mac": mac.description, "error": error.description])
            response = .error(500, error.description)
        }
        response.subjectMAC = mac.description
        return response
    }

    /// What a machine would be served, with no side effects.
    func plan(_ machine: Machine?) -> BootPlan {
        let state = machine.flatMap { $0.state == .discovered ? nil : $0.state }
        let decision = BootPolicy.decide(state: state, discovery: discovery)
        if let machine, let commissioning = commissionProfile.flatMap(profiles.profile),
           BootPolicy.commissions(decision: decision, discovered: machine.state == .discovered,
                                  hasFacts: (try? inventory.facts(of: machine.mac)) != .some(nil)) {
            return BootPlan(machine: machine, decision: decision, profile: commissioning)
        }
        guard case .install = decision, let machine else { return BootPlan(machine: machine, decision: decision) }
        let profileName = machine.profile ?? ""
        guard let profile = profiles.profile(profileName) else {
            let reason = "profile \"\(profileName)\" does not exist in \(profiles.directories.joined(separator: ", "))"
            return BootPlan(machine: machine, decision: .localDisk(reason: reason), refusal: reason)
        }
        // A profile without a kernel never installs from the network: its machines boot their
        // own disk, and their cloud-init talks to us from there.
        guard profile.profile.kernel != nil else {
            return BootPlan(machine: machine, decision: .localDisk(reason: "profile \(profileName) boots the local disk"))
        }
        return BootPlan(machine: machine, decision: decision, profile: profile)
    }

    /// The script `mac` would get now, without recording anything (`provisionctl render`).
    func preview(_ mac: MACAddress, server: String) throws -> String {
        try scriptText(plan(try inventory.machine(mac)), mac: mac, server: server)
    }

    /// Decides, records what the decision implies (a discovery, a refusal, the move to booting),
    /// and returns what to render. The script holds no secret, so it is served to anyone; but only
    /// a request from one of the machine's addresses starts its install (OriginGuard): a stranger
    /// asking for a registered machine's script must not set its install clock running.
    private func bootDecision(_ mac: MACAddress, from peer: SocketAddress) throws(InventoryError) -> BootPlan {
        var planned = plan(try discoveries.scriptRequested(by: mac))
        if let refusal = planned.refusal {
            try inventory.record("boot-refused", for: mac, source: "http", detail: refusal)
            log.warning("boot-refused", ["mac": mac.description, "reason": refusal])
        }
        if case .install(let event?) = planned.decision, let profile = planned.profile, let machine = planned.machine {
            if case .refused(let reason) = try origin.verdict(machine, from: peer) {
                try origin.recordRefusal(mac, what: "boot-install", reason: reason)
                return planned
            }
            let current = try inventory.apply(event, to: mac, source: "http", detail: "profile=\(profile.profile.name)")
            log.info("transition", ["mac": mac.description, "event": event.rawValue, "to": current.state.rawValue])
            planned.machine = current
        }
        return planned
    }

    private func script(_ planned: BootPlan, mac: MACAddress, server: String) -> HTTPResponse {
        let text: String
        do { text = try scriptText(planned, mac: mac, server: server) } catch {
            log.error("cmdline-render-failed", ["mac": mac.description, "error": "\(error)"])
            return .error(500, "\(error)")
        }
        var response = HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: text)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    private func scriptText(_ planned: BootPlan, mac: MACAddress, server: String) throws(TemplateError) -> String {
        switch (planned.decision, planned.machine, planned.profile) {
        // An install, or (held) the commissioning profile: no lifecycle event either way here.
        case (.install, let machine?, let profile?), (.hold, let machine?, let profile?):
            let cluster = (try? inventory.cluster(of: machine)) ?? nil
            let facts = (try? inventory.facts(of: machine.mac))??.facts
            let inputs = RenderCache.Inputs(machine: machine, cluster: cluster, facts: facts, compilation: profile.compilation, serverURL: server)
            // The whole script, not only its command line: building it again for an unchanged
            // machine was a quarter of the request's handling (perf, bench/http.sh).
            return try cloudInit.renders.text("boot-script", inputs) { () throws(TemplateError) in
                let cmdline = try profile.renderCmdline(machine: machine, cluster: cluster, facts: facts, serverURL: server)
                return IPXEScript.install(machine: machine, profile: profile.profile, cmdline: cmdline, serverURL: server)
            } ?? ""
        case (.hold(let reason), _, _): return IPXEScript.hold(mac: mac, reason: reason, serverURL: server)
        case (.localDisk(let reason), _, _): return IPXEScript.localDisk(mac: mac, reason: reason)
        default: return IPXEScript.localDisk(mac: mac, reason: "no install is possible")
        }
    }
}
