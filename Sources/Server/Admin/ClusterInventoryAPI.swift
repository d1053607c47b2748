import Clusters
import Inventory
import Wire

/// `GET /api/v1/clusters/{name}/inventory?format=ini|yaml` (`provisionctl cluster inventory`):
/// the kubespray inventory rendered from the cluster's members now, as text; `ini` by default.
enum ClusterInventoryAPI {
    static func get(_ inventory: Inventory, cluster name: String, _ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" else { return .methodNotAllowed(["GET"]) }
        let format = request.queryValue("format") ?? "ini"
        guard format == "ini" || format == "yaml" else {
            return .error(400, "unknown inventory format \"\(format)\" (ini, yaml)")
        }
        do {
            let rendered = try KubesprayClusterInventory.load(inventory, cluster: name)
            return HTTPResponse(status: 200, contentType: "text/plain; charset=utf-8", body: format == "ini" ? rendered.ini : rendered.yaml)
        } catch {
            switch error {
            case .notKubespray: return .error(404, error.description)
            case .invalid: return .error(422, error.description)
            case .store(let cause): return APIError(cause).response
            }
        }
    }
}
