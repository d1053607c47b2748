import Boot
import Foundation
import Inventory
import Wire

/// The admin plane: `/api/v1/...` behind a bearer token, and `/healthz`.
struct AdminAPI: Sendable {
    let inventory: Inventory
    let token: AdminToken
    /// For `/api/v1/profiles` and `/api/v1/machines/{mac}/render/...`.
    var boot: BootPlane?
    /// The boot plane URL previews use: `--server-url`, else the HTTP listen address.
    var previewServerURL = "http://127.0.0.1:8080"
    /// `/api/v1/proxmox/...`.
    var proxmox: ProxmoxAPI?
    /// Background work `/healthz` reports as pending.
    var background: BackgroundWork?
    /// The database and each plane, for `/healthz`; without it `/healthz` checks the database alone.
    var health: ServiceHealth?
    /// `/api/v1/doctor`.
    var doctor: ServerDoctor?
    /// `/api/v1/images`.
    var images: ImageStore?
    /// `/api/v1/machines/{mac}/power...` and `/api/v1/power/...`.
    var power: PowerAPI?

    func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        if request.path == "/healthz" { return health(request) }
        guard request.path == "/api/v1" || request.path.hasPrefix("/api/v1/") || request.path == "/metrics" else {
            return .error(404, "no such endpoint: \(request.path)")
        }
        guard token.authorizes(request.headers["Authorization"]) else {
            var response = HTTPResponse.error(401, "missing or wrong bearer token (see admin.token in the data directory)")
            response.headers.add("WWW-Authenticate", "Bearer realm=\"provisiond\"")
            return response
        }
        if request.path == "/metrics" { return MetricsEndpoint.respond(request) }
        do {
            return try route(request)
        } catch {
            return error.response
        }
    }

    private func health(_ request: HTTPRequest) -> HTTPResponse {
        var pending: [(String, JSONValue)] = []
        if let background {
            pending.append(("pending", .object([("hooks", .int(background.hooks.value)), ("kubespray", .int(background.kubespray.value))])))
        }
        return (health ?? ServiceHealth(inventory: inventory, maxAge: 0)).response(request, adding: pending)
    }

    private func route(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 3, parts[2] == "profiles" {
            guard request.method == "GET" else { return methodNotAllowed(["GET"]) }
            let profiles = (boot?.profiles.profiles.values.map(\.profile) ?? []).sorted { $0.name < $1.name }
            return .json(200, .object([("profiles", .array(profiles.map { profile in
                MachineJSON.profile(profile, kernelVersion: boot.flatMap { AssetBuildVersion.of(profile, in: $0.assets.directory) })
            }))]))
        }
        if parts.count > 3, parts[2] == "proxmox", let proxmox { return try proxmox.route(parts, request) }
        if parts.count == 3, parts[2] == "leases" {
            guard request.method == "GET" else { return methodNotAllowed(["GET"]) }
            let leases = try inventoryCall { () throws(InventoryError) in try inventory.leases() }
            return .json(200, .object([("leases", .array(leases.map(MachineJSON.lease)))]))
        }
        if parts.count == 3, parts[2] == "doctor", let doctor {
            guard request.method == "GET" else { return methodNotAllowed(["GET"]) }
            return try Self.doctor(doctor, request)
        }
        if parts.count >= 3, parts[2] == "images", let images {
            return try ImageAPI(store: images).route(Array(parts.dropFirst(3)), request)
        }
        if parts.count >= 3, parts[2] == "power", let power {
            return try power.routeBulk(Array(parts.dropFirst(3)), request)
        }
        if parts.count >= 3, parts[2] == "clusters" {
            return try ClusterAPI(inventory: inventory).route(Array(parts.dropFirst(3)), request)
        }
        guard parts.count >= 3, parts[2] == "machines" else { throw APIError(404, "no such endpoint: \(request.path)") }
        switch (parts.count, request.method) {
        case (3, "GET"): return try listMachines(request)
        case (3, "POST"): return try registerMachine(request)
        case (3, _): return methodNotAllowed(["GET", "POST"])
        default: break
        }
        let mac = try Self.mac(parts[3])
        var response: HTTPResponse
        do { response = try routeMachine(mac, parts, request) } catch { response = error.response }
        response.subjectMAC = mac.description
        return response
    }

    /// `/api/v1/machines/{mac}` and its sub-resources.
    private func routeMachine(_ mac: MACAddress, _ parts: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        switch (parts.count, request.method, parts.count > 4 ? parts[4] : "") {
        case (4, "GET", _): return try showMachine(mac)
        case (4, "PATCH", _): return try updateMachine(mac, request)
        case (4, "DELETE", _): return try deleteMachine(mac)
        case (4, _, _): return methodNotAllowed(["GET", "PATCH", "DELETE"])
        case (5, "GET", "events"): return try machineEvents(mac)
        case (5, _, "events"): return methodNotAllowed(["GET"])
        case (5, "GET", "facts"): return try machineFacts(mac)
        case (5, _, "facts"): return methodNotAllowed(["GET"])
        case (5, "POST", "adopt"): return try adopt(mac, request)
        case (5, "POST", "reimage"): return try operate(.reimage, mac, request)
        case (5, "POST", "retire"): return try operate(.retire, mac, request)
        case (5, _, "adopt"), (5, _, "reimage"), (5, _, "retire"): return methodNotAllowed(["POST"])
        case (6, "GET", "render"): return try render(mac, parts[5], server: request.queryValue("server") ?? previewServerURL)
        case (_, _, "power"):
            guard let power else { throw APIError(404, "power control is not available") }
            return try power.routeMachine(mac, Array(parts.dropFirst(5)), request)
        default: throw APIError(404, "no such endpoint: \(request.path)")
        }
    }

    private func listMachines(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        var state: MachineState?
        if let text = request.queryValue("state") {
            guard let parsed = MachineState(rawValue: text) else {
                throw APIError(400, "unknown state \"\(text)\" (one of: \(MachineState.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            state = parsed
        }
        let (machines, sightings) = try inventoryCall { () throws(InventoryError) in
            (try inventory.machines(state: state), try inventory.sightings())
        }
        return .json(200, .object([("machines", .array(machines.map { MachineJSON.machine($0, sighting: sightings[$0.mac]) }))]))
    }

    private func registerMachine(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: Self.specFields.union(["mac"]))
        let mac = try Self.mac(try fields.requiredString("mac"))
        var response: HTTPResponse
        do {
            let spec = try Self.spec(fields)
            let machine = try inventoryCall { () throws(InventoryError) in try inventory.register(mac, spec, source: "api") }
            response = .json(201, MachineJSON.machine(machine))
            response.headers.add("Location", "/api/v1/machines/\(machine.mac)")
        } catch {
            response = error.response
        }
        response.subjectMAC = mac.description
        return response
    }

    private func showMachine(_ mac: MACAddress) throws(APIError) -> HTTPResponse {
        guard let machine = try inventoryCall({ () throws(InventoryError) in try inventory.machine(mac) }) else {
            throw APIError(InventoryError.notFound(mac))
        }
        let (sighting, facts) = try inventoryCall { () throws(InventoryError) in
            (try inventory.sighting(machine.mac), try inventory.facts(of: machine.mac))
        }
        return .json(200, MachineJSON.machine(machine, sighting: sighting, facts: .some(facts)))
    }

    /// The hardware facts the deploy environment reported last (404 until it has).
    private func machineFacts(_ mac: MACAddress) throws(APIError) -> HTTPResponse {
        guard let facts = try inventoryCall({ () throws(InventoryError) in try inventory.facts(of: mac) }) else {
            throw APIError(404, "no hardware facts for \(mac): the machine has not been commissioned")
        }
        return .json(200, MachineJSON.facts(facts))
    }

    private func updateMachine(_ mac: MACAddress, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: Self.specFields)
        let patch = MachinePatch(
            hostname: try fields.string("hostname"), profile: try fields.string("profile"), role: try fields.nullableString("role"),
            cluster: try fields.nullableString("cluster"), ip: try fields.nullableIPv4("ip"), labels: try fields.labels("labels"),
            nics: try fields.macs("nics"))
        let machine = try inventoryCall { () throws(InventoryError) in try inventory.update(mac, patch, source: "api") }
        return .json(200, MachineJSON.machine(machine))
    }

    private func deleteMachine(_ mac: MACAddress) throws(APIError) -> HTTPResponse {
        try inventoryCall { () throws(InventoryError) in try inventory.delete(mac) }
        return HTTPResponse(status: 204)
    }

    private func machineEvents(_ mac: MACAddress) throws(APIError) -> HTTPResponse {
        let events = try inventoryCall { () throws(InventoryError) in try inventory.events(mac) }
        return .json(200, .object([("events", .array(events.map(MachineJSON.event)))]))
    }

    private func adopt(_ mac: MACAddress, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let spec = try Self.spec(try JSONFields(body: request.body, allowed: Self.specFields))
        let machine = try inventoryCall { () throws(InventoryError) in try inventory.adopt(mac, spec, source: "api") }
        return .json(200, MachineJSON.machine(machine))
    }

    /// reimage and retire: the body may carry a `reason` kept in the event.
    private func operate(_ event: LifecycleEvent, _ mac: MACAddress, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let reason = try JSONFields(body: request.body, allowed: ["reason"]).string("reason") ?? ""
        let machine = try inventoryCall { () throws(InventoryError) in
            try inventory.apply(event, to: mac, source: "api", detail: reason)
        }
        return .json(200, MachineJSON.machine(machine))
    }

    /// Exactly what the machine would be served now (`provisionctl render`), with no side effect.
    private func render(_ mac: MACAddress, _ what: String, server: String) throws(APIError) -> HTTPResponse {
        let text: String?
        do {
            let payload = CompiledProfile.Payload(rawValue: what)
            guard ["ipxe", "meta-data", "k3s-config", "seed"].contains(what) || payload != nil else {
                throw APIError(400, "cannot render \"\(what)\" (ipxe, meta-data, user-data, vendor-data, network-config, k3s-config, seed)")
            }
            if what == "seed" {
                // The NoCloud seed for an SMBIOS serial or a kernel command line.
                guard try inventoryCall({ () throws(InventoryError) in try inventory.machine(mac) }) != nil else {
                    throw APIError(InventoryError.notFound(mac))
                }
                text = NoCloudSeedForm.text(seedURL: "\(server)/cloud-init/\(mac)/") + "\n"
            } else if what == "ipxe" {
                guard let boot else { throw APIError(404, "rendering is not available") }
                text = try boot.preview(mac, server: server)
            } else {
                guard let machine = try inventoryCall({ () throws(InventoryError) in try inventory.machine(mac) }) else {
                    throw APIError(InventoryError.notFound(mac))
                }
                if let payload {
                    guard let boot else { throw APIError(404, "rendering is not available") }
                    text = try boot.cloudInit.preview(payload, machine, server: server)
                } else if what == "k3s-config" {
                    text = try K3sConfigResponder.node(for: machine, inventory).configYAML
                } else {
                    guard let boot else { throw APIError(404, "rendering is not available") }
                    text = try boot.cloudInit.metaDataText(machine, server: server)
                }
            }
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(422, "\(error)")
        }
        guard let text else { throw APIError(404, "\(mac) has no \(what) to render") }
        return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: text)
    }

    /// `?dhcpWait=SECONDS` (0 to 30, default 3): how long the DHCP probe collects offers.
    private static func doctor(_ doctor: ServerDoctor, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let text = request.queryValue("dhcpWait") ?? "3"
        guard let wait = Double(text), (0...30).contains(wait) else { throw APIError(400, "dhcpWait \"\(text)\" must be seconds from 0 to 30") }
        let checks = doctor.run(dhcpWait: wait)
        return .json(200, .object([("checks", .array(checks.map(\.json))), ("now", .number(String(Date().timeIntervalSince1970)))]))
    }

    private static let specFields: Set<String> = ["hostname", "profile", "role", "cluster", "ip", "labels", "nics"]

    private static func spec(_ fields: JSONFields) throws(APIError) -> MachineSpec {
        MachineSpec(
            hostname: try fields.requiredString("hostname"), profile: try fields.requiredString("profile"),
            role: try fields.string("role"), cluster: try fields.string("cluster"), ip: try fields.nullableIPv4("ip") ?? nil,
            labels: try fields.labels("labels") ?? [:], nics: try fields.macs("nics") ?? [])
    }

    private static func mac(_ text: String) throws(APIError) -> MACAddress {
        do { return try MACAddress(text) } catch { throw APIError(400, error.description) }
    }

    private func inventoryCall<T>(_ body: () throws(InventoryError) -> T) throws(APIError) -> T {
        try APIError.inventory(body)
    }

    private func methodNotAllowed(_ allowed: [String]) -> HTTPResponse { .methodNotAllowed(allowed) }
}
