import Wire

/// The boot plane that machines on the provisioning network talk to, unauthenticated.
struct BootPlane: Sendable {
    func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        switch request.path {
        case "/healthz": .json(200, .object([("status", .string("ok"))]))
        default: .error(404, "no such endpoint: \(request.path)")
        }
    }
}
