import Boot
import Inventory
import Wire

/// The deploy environment's routes, `/deploy/MAC/...` (DESIGN.md §13), each from one of the
/// machine's addresses (OriginGuard, §11) with its install token (`?token=`):
/// - `POST facts` stores the hardware it found (decoded strictly before anything is stored);
/// - for a profile with an image, while the machine is `booting`: `POST plan` (the disk and image
///   decided here, or a refusal that fails the machine), `GET|HEAD image` (the stored stream),
///   `POST progress?percent=N`, `POST deployed?sha256=HEX&disk=PATH` (→ installing) and
///   `POST failed` with a reason (→ failed).
/// Every refusal is answered and recorded with its reason.
struct DeployEndpoint: Sendable {
    let inventory: Inventory
    let profiles: ProfileCatalog
    let images: ImageStore
    /// How machines reach us; nil means the address each request arrived on.
    let serverURL: String?
    let origin: OriginGuard
    let log: Logger

    static let resources: [String: String] = [
        "facts": "POST", "plan": "POST", "image": "GET", "progress": "POST", "deployed": "POST", "failed": "POST",
    ]

    func handle(_ request: HTTPRequest, _ context: RequestContext, path: String) -> HTTPResponse {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count == 2, let method = Self.resources[parts[1]] else {
            return .error(404, "expected /deploy/MAC/{\(Self.resources.keys.sorted().joined(separator: ","))}")
        }
        let mac: MACAddress
        do { mac = try MACAddress(parts[0]) } catch { return .error(400, error.description) }
        var response: HTTPResponse
        do {
            guard let machine = try inventory.machine(mac) else { return .error(404, "no machine with MAC \(mac)") }
            let resource = parts[1]
            if request.method != method, !(method == "GET" && request.method == "HEAD") {
                response = .error(405, "\(resource) is \(method == "GET" ? "fetched with GET or HEAD" : "reported with POST")")
            } else if let refusal = try origin.refusal(machine, from: context.peer, what: resource) {
                response = refusal
            } else if resource == "failed" {
                // The environment's own failure report: the install report's decoding and rules.
                response = try InstallReportResponder(inventory: inventory, log: log).respond(.failed, machine, request)
            } else if let refusal = try InstallTokenCheck(inventory: inventory, log: log).refusal(request, machine, what: resource) {
                response = refusal
            } else if resource == "facts" {
                response = try facts(machine, request)
            } else {
                response = try deploy(resource, machine, request, server: context.serverURL(override: serverURL))
            }
        } catch {
            log.error("deploy-failed", ["mac": mac.description, "error": error.description])
            response = APIError(error).response
        }
        response.subjectMAC = mac.description
        return response
    }

    private func facts(_ machine: Machine, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        let facts: HardwareFacts
        do { facts = try HardwareFacts.decode(request.body) } catch {
            let why = EventText.line(error.description, limit: 500)
            try inventory.record("facts-refused", for: machine.mac, source: "http", detail: "malformed facts: \(why)")
            log.warning("facts-refused", ["mac": machine.mac.description, "why": why])
            return .error(400, "malformed facts for \(machine.mac): \(why)")
        }
        try inventory.recordFacts(facts, for: machine.mac, source: "http")
        log.info("commissioned", ["mac": machine.mac.description, "facts": facts.summary])
        return .json(200, .object([("mac", .string(machine.mac.description)), ("summary", .string(facts.summary))]))
    }
}
