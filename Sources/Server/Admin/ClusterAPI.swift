import Inventory
import Wire

/// `/api/v1/clusters[/{name}]` (DESIGN.md §9): create, list, show (with members, join URL and
/// token), delete.
struct ClusterAPI {
    let inventory: Inventory

    /// `path` is what follows `/api/v1/clusters`.
    func route(_ path: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        switch (path.count, request.method) {
        case (0, "GET"): return try list()
        case (0, "POST"): return try create(request)
        case (0, _): return .methodNotAllowed(["GET", "POST"])
        case (1, "GET"): return try show(path[0])
        case (1, "DELETE"): return try delete(path[0])
        case (1, _): return .methodNotAllowed(["GET", "DELETE"])
        case (2, _) where path[1] == "inventory": return ClusterInventoryAPI.get(inventory, cluster: path[0], request)
        default: throw APIError(404, "no such endpoint: \(request.path)")
        }
    }

    private func list() throws(APIError) -> HTTPResponse {
        let clusters = try APIError.inventory { () throws(InventoryError) in
            try inventory.clusters().map { cluster throws(InventoryError) in (cluster, try inventory.members(of: cluster.name)) }
        }
        return .json(200, .object([("clusters", .array(clusters.map { ClusterJSON.summary($0.0, members: $0.1) }))]))
    }

    private func create(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["name", "kind", "version", "tlsSans"])
        let kindText = try fields.requiredString("kind")
        guard let kind = ClusterKind(rawValue: kindText) else {
            throw APIError(400, "unknown cluster kind \"\(kindText)\" (one of: \(ClusterKind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let spec = ClusterSpec(name: try fields.requiredString("name"), kind: kind, version: try fields.string("version"),
                               tlsSANs: try fields.strings("tlsSans") ?? [])
        let cluster = try APIError.inventory { () throws(InventoryError) in try inventory.createCluster(spec, source: "api") }
        var response = HTTPResponse.json(201, ClusterJSON.summary(cluster, members: []))
        response.headers.add("Location", "/api/v1/clusters/\(cluster.name)")
        return response
    }

    private func show(_ name: String) throws(APIError) -> HTTPResponse {
        let (cluster, members, addresses) = try APIError.inventory { () throws(InventoryError) in
            let (cluster, members) = try inventory.clusterWithMembers(named: name)
            var addresses: [MACAddress: IPv4Address] = [:]
            for member in members { addresses[member.mac] = try inventory.address(of: member) }
            return (cluster, members, addresses)
        }
        return .json(200, ClusterJSON.detail(cluster, members: members, addresses: addresses))
    }

    private func delete(_ name: String) throws(APIError) -> HTTPResponse {
        try APIError.inventory { () throws(InventoryError) in try inventory.deleteCluster(named: name) }
        return HTTPResponse(status: 204)
    }
}
