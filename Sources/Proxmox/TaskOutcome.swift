import Wire

/// What one `GET /nodes/{node}/tasks/{upid}/status` answer says: still running, or stopped with
/// success (`OK`, or `WARNINGS: n` which PVE counts as success) or a failure text.
public enum TaskOutcome: Equatable, Sendable {
    case running
    case succeeded(warnings: Int)
    case failed(String)

    public init(status data: JSONValue) throws(ProxmoxError) {
        guard let status = data["status"]?.stringValue else { throw .malformed("task status without a status field") }
        guard status == "stopped" else {
            self = .running
            return
        }
        let exit = data["exitstatus"]?.stringValue ?? "unknown exit status"
        if exit == "OK" {
            self = .succeeded(warnings: 0)
        } else if exit.hasPrefix("WARNINGS: "), let count = Int(exit.dropFirst("WARNINGS: ".count)) {
            self = .succeeded(warnings: count)
        } else {
            self = .failed(exit)
        }
    }
}
