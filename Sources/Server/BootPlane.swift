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
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
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

    /// Decides, records what the decision implies (a discovery, the move to booting), and
    /// returns what to render.
    private func bootDecision(_ mac: MACAddress) throws(InventoryError) -> (BootDecision, Machine?, CompiledProfile?) {
        var machine = try inventory.machine(mac)
        if machine == nil {
            machine = try inventory.discover(mac, source: "http", detail: "requested a boot script")
            log.info("discovered", ["mac": mac.description, "via": "http"])
        }
        guard let current = machine else { throw .notFound(mac) }
        let unknown = current.state == .discovered
        var decision = BootPolicy.decide(state: unknown ? nil : current.state, discovery: discovery)
        guard case .install(let event) = decision else { return (decision, current, nil) }
        let profileName = current.profile ?? ""
        guard let profile = profiles.profile(profileName) else {
            let reason = "profile \"\(profileName)\" does not exist in \(profiles.directory)"
            try inventory.record("boot-refused", for: mac, source: "http", detail: reason)
            log.warning("boot-refused", ["mac": mac.description, "reason": reason])
            decision = .localDisk(reason: reason)
            return (decision, current, nil)
        }
        guard profile.profile.kernel != nil else {
            // A profile without a kernel never installs from the network: its machines boot
            // their own disk, and their cloud-init talks to us from there.
            return (.localDisk(reason: "profile \(profileName) boots the local disk"), current, nil)
        }
        var updated = current
        if let event {
            updated = try inventory.apply(event, to: mac, source: "http", detail: "profile=\(profile.profile.name)")
            log.info("transition", ["mac": mac.description, "event": event.rawValue, "to": updated.state.rawValue])
        }
        return (decision, updated, profile)
    }

    private func script(_ decided: (BootDecision, Machine?, CompiledProfile?), mac: MACAddress, server: String) -> HTTPResponse {
        let text: String
        switch decided {
        case (.install, let machine?, let profile?):
            do {
                let cmdline = try profile.renderCmdline(machine: machine, serverURL: server)
                text = IPXEScript.install(machine: machine, profile: profile.profile, cmdline: cmdline, serverURL: server)
            } catch {
                log.error("cmdline-render-failed", ["mac": mac.description, "error": error.description])
                return .error(500, error.description)
            }
        case (.hold(let reason), _, _): text = IPXEScript.hold(mac: mac, reason: reason, serverURL: server)
        case (.localDisk(let reason), _, _): text = IPXEScript.localDisk(mac: mac, reason: reason)
        default: text = IPXEScript.localDisk(mac: mac, reason: "no install is possible")
        }
        var response = HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: text)
        response.headers.add("Cache-Control", "no-store")
        return response
    }

}
