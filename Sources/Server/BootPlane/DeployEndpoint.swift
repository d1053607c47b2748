import Boot
import Inventory
import Wire

/// The deploy environment's routes, `/deploy/MAC/...` (DESIGN.md §13): `POST facts` from one of
/// the machine's addresses (OriginGuard, §11) with its install token (`?token=`) stores the
/// hardware it found. The document is decoded strictly before anything is stored; a refusal is
/// answered and recorded with its reason.
struct DeployEndpoint: Sendable {
    let inventory: Inventory
    let origin: OriginGuard
    let log: Logger

    func handle(_ request: HTTPRequest, _ context: RequestContext, path: String) -> HTTPResponse {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return .error(404, "expected /deploy/MAC/facts") }
        let mac: MACAddress
        do { mac = try MACAddress(parts[0]) } catch { return .error(400, error.description) }
        var response: HTTPResponse
        do {
            guard let machine = try inventory.machine(mac) else { return .error(404, "no machine with MAC \(mac)") }
            switch (request.method, parts[1]) {
            case ("POST", "facts"):
                if let refusal = try origin.refusal(machine, from: context.peer, what: "facts") {
                    response = refusal
                } else {
                    response = try facts(machine, request)
                }
            case (_, "facts"): response = .error(405, "facts are reported with POST")
            default: response = .error(404, "no such deploy resource: \(parts[1])")
            }
        } catch {
            log.error("deploy-failed", ["mac": mac.description, "error": error.description])
            response = APIError(error).response
        }
        response.subjectMAC = mac.description
        return response
    }

    private func facts(_ machine: Machine, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        if let refusal = try InstallTokenCheck(inventory: inventory, log: log).refusal(request, machine, what: "facts") { return refusal }
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
