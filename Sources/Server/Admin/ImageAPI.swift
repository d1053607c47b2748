import Inventory
import Wire

/// `/api/v1/images[/{name}]` (DESIGN.md §13): import (202: the work runs in the background;
/// poll the image until it is `ready` or `failed`), list, show, delete.
struct ImageAPI {
    let store: ImageStore

    /// `path` is what follows `/api/v1/images`.
    func route(_ path: [String], _ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        switch (path.count, request.method) {
        case (0, "GET"): return .json(200, .object([("images", .array(store.list().map(\.json)))]))
        case (0, "POST"): return try start(request)
        case (0, _): return .methodNotAllowed(["GET", "POST"])
        case (1, "GET"):
            guard let record = store.record(path[0]) else { throw APIError(404, "no image \(path[0])") }
            return .json(200, record.json)
        case (1, "DELETE"):
            try store.delete(path[0])
            return HTTPResponse(status: 204)
        case (1, _): return .methodNotAllowed(["GET", "DELETE"])
        default: throw APIError(404, "no such endpoint: \(request.path)")
        }
    }

    private func start(_ request: HTTPRequest) throws(APIError) -> HTTPResponse {
        let fields = try JSONFields(body: request.body, allowed: ["name", "url", "file", "checksum"])
        let spec: ImageImport
        do {
            spec = try ImageImport(name: try fields.requiredString("name"), url: try fields.string("url"), file: try fields.string("file"),
                                   checksum: try fields.string("checksum"))
        } catch let error as ImageImportError {
            throw APIError(400, error.description)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(400, "\(error)")
        }
        var response = HTTPResponse.json(202, try store.begin(spec).json)
        response.headers.add("Location", "/api/v1/images/\(spec.name)")
        return response
    }
}
