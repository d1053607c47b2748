import Wire

/// A Redfish Task (DSP0268 Task v1.x), read from a task monitor or the task's own URI while a
/// long operation runs (the BMC answered 202 Accepted).
public struct RedfishTask: Equatable, Sendable {
    public enum Progress: Equatable, Sendable {
        case running
        case completed
        /// Killed, Exception, Cancelled: the task's messages say why.
        case failed(String)
    }

    public let progress: Progress

    public init(_ json: JSONValue) throws(PowerError) {
        guard let state = json["TaskState"]?.stringValue else { throw .malformed("a task without TaskState: \(json.encoded())") }
        let messages = (json["Messages"]?.arrayValue ?? []).compactMap { $0["Message"]?.stringValue }
        switch state {
        case "Completed":
            // A completed task may still carry TaskStatus Critical (the action failed).
            if json["TaskStatus"]?.stringValue == "Critical" {
                progress = .failed("task completed with status Critical" + Self.joined(messages))
            } else {
                progress = .completed
            }
        case "Killed", "Exception", "Cancelled":
            progress = .failed("task \(state)" + Self.joined(messages))
        default:
            progress = .running
        }
    }

    static func joined(_ messages: [String]) -> String {
        messages.isEmpty ? "" : ": " + messages.joined(separator: "; ")
    }
}
