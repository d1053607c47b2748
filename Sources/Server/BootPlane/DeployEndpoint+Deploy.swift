import Boot
import Inventory
import Wire

/// The deploy itself (issue 14): the plan, the image stream, progress and the `deployed` report,
/// only while the machine is `booting` with a profile that names an image.
extension DeployEndpoint {
    func deploy(_ resource: String, _ machine: Machine, _ request: HTTPRequest, server: String) throws(InventoryError) -> HTTPResponse {
        let profileName = machine.profile ?? ""
        guard let deploy = profiles.profile(profileName)?.profile.image else {
            return try refuse(resource, machine, 409, "profile \"\(profileName)\" writes no image (its machines need no \(resource))")
        }
        guard machine.state == .booting else {
            return try refuse(resource, machine, 409, "no deploy in progress: the machine is \(machine.state.rawValue) (a deploy runs while it is booting)")
        }
        switch resource {
        case "plan": return try plan(machine, deploy, server: server)
        case "image": return image(machine, deploy, request)
        case "progress": return try progress(machine, deploy, request)
        default: return try deployed(machine, deploy, request)
        }
    }

    /// Decides the plan from the stored facts; a refusal fails the machine before any disk is
    /// touched, and the environment learns why (409 with the reason).
    private func plan(_ machine: Machine, _ deploy: ImageDeploy, server: String) throws(InventoryError) -> HTTPResponse {
        let decision = DeployPlanner.decide(mac: machine.mac.description, deploy: deploy, facts: try inventory.facts(of: machine.mac)?.facts,
                                            reimage: DeployHistory.reimaging(try inventory.events(machine.mac)),
                                            image: images.record(deploy.image), serverURL: server)
        switch decision {
        case .deploy(let plan):
            try inventory.record(DeployHistory.plannedEvent, for: machine.mac, source: "http", detail: plan.summary)
            log.info(DeployHistory.plannedEvent, ["mac": machine.mac.description, "image": plan.image, "disk": plan.disk.path])
            var response = HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: plan.text)
            response.headers.add("Cache-Control", "no-store")
            return response
        case .refuse(let reason):
            let failed = try inventory.apply(.installFailed, to: machine.mac, source: "http", detail: "deploy refused: \(reason)")
            log.warning("transition", ["mac": machine.mac.description, "event": LifecycleEvent.installFailed.rawValue,
                                       "to": failed.state.rawValue, "why": reason])
            return .error(409, "deploy refused: \(reason)")
        }
    }

    /// The stored zstd stream of mapped blocks, streamed from the file (Range, HEAD and validators as assets).
    private func image(_ machine: Machine, _ deploy: ImageDeploy, _ request: HTTPRequest) -> HTTPResponse {
        guard images.record(deploy.image)?.state == .ready else { return .error(409, "image \(deploy.image) is not ready") }
        return AssetResponder(directory: ServedDirectory(root: images.directory)).respond(to: request, path: "\(deploy.image)/\(ImageStore.imageFile)")
    }

    /// `?percent=N` (0–100): one `deploy-progress` event a tenth, repeats ignored.
    private func progress(_ machine: Machine, _ deploy: ImageDeploy, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        guard let text = request.queryValue("percent"), let percent = Int(text), (0...100).contains(percent) else {
            return .error(400, "progress needs ?percent=N, a whole number from 0 to 100")
        }
        guard let step = DeployHistory.progressStep(percent: percent, events: try inventory.events(machine.mac)) else {
            return .json(200, .object([("recorded", .bool(false))]))
        }
        let disk = EventText.line(request.queryValue("disk") ?? "the disk", limit: 200)
        try inventory.record(DeployHistory.progressEvent, for: machine.mac, source: "http",
                             detail: DeployHistory.progressDetail(step: step, image: deploy.image, disk: disk))
        log.info(DeployHistory.progressEvent, ["mac": machine.mac.description, "percent": String(step)])
        return .json(200, .object([("recorded", .bool(true))]))
    }

    /// `?sha256=HEX&disk=PATH`: what the environment read back from the disk it wrote. It must be
    /// the image's checksum (the environment compared them; this catches an environment that did
    /// not); then the machine is `installing` and its next network boot gets `exit`.
    private func deployed(_ machine: Machine, _ deploy: ImageDeploy, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        let written = request.queryValue("sha256") ?? ""
        guard let expected = images.record(deploy.image)?.mappedSHA256 else {
            return try refuse("deployed", machine, 409, "image \(deploy.image) is gone: cannot confirm what was written")
        }
        guard written == expected else {
            return try refuse("deployed", machine, 400, "wrote sha256 \(EventText.line(written, limit: 80)), expected \(expected)")
        }
        let disk = EventText.line(request.queryValue("disk") ?? "the disk", limit: 200)
        let detail = "image \(deploy.image) written to \(disk) and verified (sha256 of its mapped blocks \(expected)); its cloud-init pointed at provisiond"
        let updated: Machine
        do { updated = try inventory.apply(.deployed, to: machine.mac, source: "http", detail: detail) } catch .invalidTransition(let refusal) {
            return try refuse("deployed", machine, 409, refusal.description)
        }
        log.info("transition", ["mac": machine.mac.description, "event": LifecycleEvent.deployed.rawValue, "to": updated.state.rawValue,
                                "image": deploy.image, "disk": disk])
        return .json(200, .object([("mac", .string(updated.mac.description)), ("state", .string(updated.state.rawValue))]))
    }

    /// Answers `status` with `why`, recorded as `RESOURCE-refused` (the state stays).
    private func refuse(_ resource: String, _ machine: Machine, _ status: Int, _ why: String) throws(InventoryError) -> HTTPResponse {
        try inventory.record("\(resource)-refused", for: machine.mac, source: "http", detail: why)
        log.warning("\(resource)-refused", ["mac": machine.mac.description, "why": why])
        return .error(status, "\(resource) for \(machine.mac) refused: \(why)")
    }
}
