import Metrics
import Wire

/// `GET /metrics`: the registry in the Prometheus text format. The admin API serves it behind
/// its token; `--metrics-listen` serves it alone, without one.
enum MetricsEndpoint {
    static func respond(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else { return .methodNotAllowed(["GET", "HEAD"]) }
        return HTTPResponse(status: 200, contentType: PrometheusText.contentType, body: ServerMetrics.shared.registry.render())
    }

    /// The handler of the `--metrics-listen` listener.
    @Sendable static func handle(_ request: HTTPRequest, _ context: RequestContext) -> HTTPResponse {
        guard request.path == "/metrics" else { return .error(404, "only /metrics is served here") }
        return respond(request)
    }
}
