import Glibc
import Wire

/// Answers GET and HEAD for files in a served directory: validators (ETag, Last-Modified, 304),
/// single byte ranges (206, 416), and the body streamed from the file.
struct AssetResponder: Sendable {
    let directory: ServedDirectory

    func respond(to request: HTTPRequest, path: String) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(405, "assets are read-only (allowed: GET, HEAD)")
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        let file: ServedDirectory.OpenFile
        do { file = try directory.open(path) } catch {
            switch error {
            case .escapes: return .error(403, error.description)
            case .notFound: return .error(404, error.description)
            case .notReadable: return .error(403, error.description)
            case .outOfDescriptors: return .error(503, error.description)
            }
        }
        // nginx-style strong validator: modification time and size.
        let etag = "\"\(String(file.modified, radix: 16)).\(String(file.modifiedNanoseconds, radix: 16))-\(String(file.size, radix: 16))\""
        let lastModified = HTTPDate.format(file.modified)
        var headers: HTTPHeaders = [
            "Content-Type": MediaTypes.forPath(path), "ETag": etag, "Last-Modified": lastModified, "Accept-Ranges": "bytes",
        ]
        if Self.notModified(request.headers, etag: etag, modified: file.modified) {
            close(file.descriptor)
            return HTTPResponse(status: 304, headers: headers)
        }
        var range = ByteRange.resolve(request.headers["Range"], size: file.size)
        if let ifRange = request.headers["If-Range"], ifRange != etag, ifRange != lastModified { range = .whole }
        var response: HTTPResponse
        switch range {
        case .whole:
            response = HTTPResponse(status: 200, headers: headers)
            response.file = .init(descriptor: file.descriptor, offset: 0, length: file.size)
        case .partial(let first, let last):
            headers.add("Content-Range", "bytes \(first)-\(last)/\(file.size)")
            response = HTTPResponse(status: 206, headers: headers)
            response.file = .init(descriptor: file.descriptor, offset: first, length: last - first + 1)
        case .unsatisfiable:
            close(file.descriptor)
            response = .error(416, "range not satisfiable for \(file.size) bytes")
            response.headers.add("Content-Range", "bytes */\(file.size)")
        }
        return response
    }

    /// RFC 9110 §13.2.2: If-None-Match decides when present; otherwise If-Modified-Since.
    private static func notModified(_ headers: HTTPHeaders, etag: String, modified: Int) -> Bool {
        if let tags = headers["If-None-Match"] {
            return tags.split(separator: ",").contains { tag in
                let trimmed = tag.trimmingSpaces()
                return trimmed == "*" || trimmed == etag || trimmed == "W/" + etag
            }
        }
        if let since = headers["If-Modified-Since"].flatMap(HTTPDate.parse) { return modified <= since }
        return false
    }
}
