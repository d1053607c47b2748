import Inventory
import Proxmox
import Wire

/// `/api/v1/proxmox/...`: endpoints, template rollout and VMs. Operations run while the request
/// waits (the CLI waits long enough); the secret of an endpoint is never in an answer.
struct ProxmoxAPI: Sendable {
    let inventory: Inventory
    let connections: ProxmoxConnections
    let vms: ProxmoxVMs
    let log: Logger

    init(inventory: Inventory, dataDir: String, serverURL: String, taskTimeout: Double = 3600, log: Logger) {
        self.inventory = inventory
        connections = ProxmoxConnections(inventory: inventory, dataDir: dataDir, taskTimeout: taskTimeout, log: log)
        vms = ProxmoxVMs(inventory: inventory, connections: connections, serverURL: serverURL, log: log)
        self.log = log
    }

    /// `parts`: the path split on `/`, starting `api`, `v1`, `proxmox`.
    func route(_ parts: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let path = Array(parts.dropFirst(3))
        switch (path, request.method) {
        case (["endpoints"], "GET"): return .json(200, .object([("endpoints", .array(try endpoints().map(Self.endpointJSON)))]))
        case (["endpoints"], "POST"): return try counted("endpoint-add") { () throws(APIError) in try addEndpoint(request) }
        case (_, "DELETE") where path.count == 2 && path[0] == "endpoints":
            return try counted("endpoint-delete") { () throws(APIError) in try deleteEndpoint(path[1]) }
        case (["templates", "rollout"], "POST"): return try counted("template-rollout") { () throws(APIError) in try rollout(request) }
        case (["vms"], "GET"): return .json(200, try vms.list(endpoint: request.queryValue("endpoint")))
        case (["vms"], "POST"): return try counted("vm-create") { () throws(APIError) in try createVM(request) }
        case (_, "DELETE") where path.count == 2 && path[0] == "vms":
            return try counted("vm-delete") { () throws(APIError) in try deleteVM(path[1], request) }
        default:
            guard let allowed = Self.allowedMethods(path) else { throw APIError(404, "no such endpoint: \(request.path)") }
            return .methodNotAllowed(allowed)
        }
    }

    /// Runs one operation and counts its outcome (`provisiond_proxmox_operations_total`).
    private func counted(_ operation: String, _ body: () throws(APIError) -> HTTPResponse) throws(APIError) -> HTTPResponse {
        do {
            let response = try body()
            ServerMetrics.shared.proxmoxOperation(operation, succeeded: response.status < 400)
            return response
        } catch {
            ServerMetrics.shared.proxmoxOperation(operation, succeeded: false)
            throw error
        }
    }

    /// The methods a Proxmox resource takes, nil for a path that is none.
    private static func allowedMethods(_ path: [String]) -> [String]? {
        switch (path.count, path.first) {
        case (1, "endpoints"), (1, "vms"): ["GET", "POST"]
        case (2, "endpoints"), (2, "vms"): ["DELETE"]
        case (2, "templates") where path[1] == "rollout": ["POST"]
        default: nil
        }
    }

    private func endpoints() throws(APIError) -> [ProxmoxEndpointRecord] {
        try APIError.inventory { () throws(InventoryError) in try inventory.proxmoxEndpoints() }
    }

    /// Refused (409) while VMs made through the endpoint are recorded.
    private func deleteEndpoint(_ name: String) throws(APIError) -> HTTPResponse {
        guard try APIError.inventory({ () throws(InventoryError) in try inventory.proxmoxEndpoint(name) }) != nil else {
            throw APIError(404, "no Proxmox endpoint named \(name)")
        }
        try APIError.inventory { () throws(InventoryError) in try inventory.deleteProxmoxEndpoint(name) }
        log.info("proxmox-endpoint-deleted", ["name": name])
        return HTTPResponse(status: 204)
    }

    private func addEndpoint(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["name", "url", "token_id", "token_secret", "user", "password", "ca_pem", "fingerprint"])
        let tokenID = try fields.string("token_id"), user = try fields.string("user")
        guard (tokenID == nil) != (user == nil) else { throw APIError(400, "give either token_id with token_secret, or user with password") }
        let caPEM = try fields.string("ca_pem"), fingerprint = try fields.string("fingerprint")
        guard caPEM == nil || fingerprint == nil else { throw APIError(400, "give ca_pem or fingerprint, not both") }
        if let caPEM {
            do { guard try !PEMCertificates.decode(caPEM).isEmpty else { throw ProxmoxError.invalid("the CA file holds no PEM certificate") } } catch {
                throw APIError(400, "ca file: \(error)")
            }
        }
        let record = ProxmoxEndpointRecord(
            name: try fields.requiredString("name"), url: try fields.requiredString("url"), auth: tokenID != nil ? .token : .password,
            principal: tokenID ?? user ?? "", secret: try fields.requiredString(tokenID != nil ? "token_secret" : "password"),
            caPEM: caPEM, fingerprint: fingerprint)
        let version = try connections.verify(record)
        let stored = try APIError.inventory { () throws(InventoryError) in try inventory.addProxmoxEndpoint(record) }
        log.info("proxmox-endpoint-added", ["name": stored.name, "url": stored.url, "auth": stored.auth.rawValue, "pve": version])
        return .json(201, Self.endpointJSON(stored))
    }

    private func rollout(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["endpoint", "name", "image_url", "checksum", "storage", "import_storage",
                                                                  "nodes", "all_nodes", "vmid", "replace"])
        let image: TemplateImage
        do {
            image = try TemplateImage(name: try fields.requiredString("name"), imageURL: try fields.requiredString("image_url"),
                                      checksum: try fields.string("checksum"), storage: try fields.requiredString("storage"),
                                      importStorage: try fields.string("import_storage"))
        } catch let error as APIError { throw error } catch { throw APIError(400, "\(error)") }
        let named = try fields.strings("nodes") ?? []
        let allNodes = try fields.bool("all_nodes") ?? false
        guard named.isEmpty == allNodes else { throw APIError(400, "give nodes or all_nodes, not both and not neither") }
        let vmid = try fields.int("vmid"), replace = try fields.bool("replace") ?? false
        let client = try connections.client(try fields.requiredString("endpoint"))
        let nodes: [String]
        do { nodes = allNodes ? try TemplateRollout.onlineNodes(client) : named } catch { throw ProxmoxConnections.apiError(error) }
        let logger = log
        let results = TemplateRollout(client: client, allocator: VMIDAllocator(client: client, ledger: connections), image: image,
                                      replace: replace) { event, fields in logger.log(.info, event, fields) }
            .run(nodes: nodes, vmid: vmid)
        let json = results.map { result in
            JSONValue.object([("node", .string(result.node)), ("vmid", result.vmid.map(JSONValue.int) ?? .null),
                              ("status", .string(result.status.rawValue)), ("error", result.error.map(JSONValue.string) ?? .null)])
        }
        return .json(results.contains { $0.status == .failed } ? 502 : 200,
                     .object([("template", .string(image.name)), ("results", .array(json))]))
    }

    private func createVM(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["name", "endpoint", "template", "profile", "node", "role", "cluster",
                                                                  "cores", "memory", "disk", "bridge", "ssh_keys"])
        var create = ProxmoxVMs.CreateRequest(
            name: try fields.requiredString("name"), endpoint: try fields.requiredString("endpoint"), template: try fields.requiredString("template"),
            profile: try fields.requiredString("profile"), node: try fields.string("node"), role: try fields.string("role"),
            cluster: try fields.string("cluster"), cores: try fields.int("cores"), memory: try fields.int("memory"), disk: try fields.string("disk"))
        if let bridge = try fields.string("bridge") { create.bridge = bridge }
        if let keys = try fields.strings("ssh_keys") { create.sshKeys = keys }
        let record = try vms.create(create)
        var response = HTTPResponse.json(201, Self.vmJSON(record))
        response.subjectMAC = record.mac
        return response
    }

    /// 200 with what happened on Proxmox: `destroyed`, or a `note` saying why nothing was.
    private func deleteVM(_ name: String, _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let note = try vms.delete(name, retire: request.queryValue("retire") == "1")
        return .json(200, .object([("name", .string(name)), ("destroyed", .bool(note == nil)), ("note", note.map(JSONValue.string) ?? .null)]))
    }

    static func endpointJSON(_ record: ProxmoxEndpointRecord) -> JSONValue {
        .object([
            ("name", .string(record.name)), ("url", .string(record.url)), ("auth", .string(record.auth.rawValue)),
            ("principal", .string(record.principal)), ("has_secret", .bool(!record.secret.isEmpty)),
            ("trust", .string(record.caPEM != nil ? "ca-file" : record.fingerprint != nil ? "fingerprint" : "system")),
            ("fingerprint", record.fingerprint.map(JSONValue.string) ?? .null), ("createdAt", .string(record.createdAt)),
        ])
    }

    static func vmJSON(_ record: ProxmoxVMRecord) -> JSONValue {
        .object([("name", .string(record.name)), ("endpoint", .string(record.endpoint)), ("node", .string(record.node)),
                 ("vmid", .int(record.vmid)), ("mac", .string(record.mac)), ("template", .string(record.template))])
    }
}
