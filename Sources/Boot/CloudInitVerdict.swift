import Wire

/// cloud-init's own verdict on applying a machine's configuration (DESIGN.md §12), as the
/// machine reports it after cloud-init's final stage: `/run/cloud-init/result.json` or the output
/// of `cloud-init status --format json`.
public struct CloudInitVerdict: Equatable, Sendable {
    public enum Form: String, Sendable {
        case resultJSON = "result.json"
        case statusJSON = "cloud-init status --format json"
    }

    public let form: Form
    /// What cloud-init used, e.g. `DataSourceNoCloudNet [seed=…][dsmode=net]`.
    public let datasource: String?
    /// `status` of the status JSON (`done`, `error`); nil for result.json.
    public let status: String?
    public let errors: [CloudInitModuleError]
    /// Recoverable errors (WARNING, DEPRECATED, …) that cloud-init 23.4+ lists besides errors:
    /// counted, not failing the install.
    public let warnings: Int

    /// The bound on `summary`, the event's detail.
    public static let summaryLimit = 1500

    public init(form: Form, datasource: String?, status: String?, errors: [CloudInitModuleError], warnings: Int) {
        self.form = form
        self.datasource = datasource
        self.status = status
        self.errors = errors
        self.warnings = warnings
    }

    /// No errors: the profile was applied.
    public var applied: Bool { errors.isEmpty && status != "error" }

    /// One readable line for the event: the failing modules and what they said, or that all went
    /// well and from which datasource.
    public var summary: String {
        var text: String
        if applied {
            text = "cloud-init finished without errors"
        } else if errors.isEmpty {
            text = "cloud-init status: \(status ?? "error"), with no errors listed"
        } else {
            let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
            text = "cloud-init reported \(count): " + errors.map(\.description).joined(separator: "; ")
        }
        if warnings > 0 { text += " (\(warnings) warning\(warnings == 1 ? "" : "s"))" }
        if let datasource, !datasource.isEmpty { text += "; datasource: \(datasource)" }
        return EventText.line(text, limit: Self.summaryLimit)
    }

    /// Reads either form from its JSON document: result.json is `{"v1": {"datasource": …,
    /// "errors": [...]}}` (cloudinit/cmd/main.py writes it when modules-final ends); the status
    /// JSON has `status`, `errors` and, from 23.4, `recoverable_errors` and `extended_status`.
    public static func decode(_ document: JSONValue) throws(InstallReportError) -> CloudInitVerdict {
        guard let members = document.objectValue else {
            throw InstallReportError("a cloud-init report must be a JSON object, not \(document.typeName)")
        }
        if let v1 = document["v1"] { return try result(v1) }
        if document["status"] != nil { return try status(document) }
        let keys = members.prefix(8).map { "\"\($0.0)\"" }.joined(separator: ", ")
        throw InstallReportError("not a cloud-init report: expected /run/cloud-init/result.json ({\"v1\": …}) or "
            + "`cloud-init status --format json` ({\"status\": …}), got an object with \(keys.isEmpty ? "no keys" : keys)")
    }

    private static func result(_ v1: JSONValue) throws(InstallReportError) -> CloudInitVerdict {
        guard v1.objectValue != nil else { throw InstallReportError("result.json: v1 must be an object, not \(v1.typeName)") }
        guard let errors = v1["errors"] else {
            throw InstallReportError("result.json: v1 has no \"errors\" list (post /run/cloud-init/result.json, not status.json)")
        }
        return CloudInitVerdict(form: .resultJSON, datasource: try optionalString(v1["datasource"], "result.json: v1.datasource"), status: nil,
                                errors: try strings(errors, "result.json: v1.errors").map(CloudInitModuleError.init(reported:)),
                                warnings: try recoverable(v1["recoverable_errors"], "result.json: v1.recoverable_errors"))
    }

    private static func status(_ document: JSONValue) throws(InstallReportError) -> CloudInitVerdict {
        guard let status = document["status"]?.stringValue else {
            throw InstallReportError("status JSON: \"status\" must be a string, not \(document["status"]?.typeName ?? "missing")")
        }
        // `status` is done/error/running/not run (22.4) or not started/disabled; some report the
        // extended form of 23.4+ (`degraded done`, `error - done`, `degraded running`) there.
        let finished = status.hasSuffix("done") ? (status.hasPrefix("error") ? "error" : "done") : status
        switch status.hasSuffix("running") ? "running" : finished {
        case "done", "error": break
        case "running", "not run", "not started":
            throw InstallReportError("status JSON: cloud-init has not finished (status \"\(status)\"): report after cloud-final.service")
        case "disabled":
            throw InstallReportError("status JSON: cloud-init is disabled on this machine, so it has no verdict")
        default:
            throw InstallReportError("status JSON: unknown status \"\(status)\" (expected done or error)")
        }
        guard let errors = document["errors"] else { throw InstallReportError("status JSON: no \"errors\" list") }
        // `detail` names the datasource in full once cloud-init is done (cmd/status.py); `datasource`
        // is its short name.
        let detail = try optionalString(document["detail"], "status JSON: detail")
        let datasource = try optionalString(document["datasource"], "status JSON: datasource")
        return CloudInitVerdict(form: .statusJSON, datasource: finished == "done" ? detail ?? datasource : datasource, status: finished,
                                errors: try strings(errors, "status JSON: errors").map(CloudInitModuleError.init(reported:)),
                                warnings: try recoverable(document["recoverable_errors"], "status JSON: recoverable_errors"))
    }

    private static func strings(_ value: JSONValue, _ path: String) throws(InstallReportError) -> [String] {
        guard let items = value.arrayValue else { throw InstallReportError("\(path) must be a list of strings, not \(value.typeName)") }
        var texts: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.stringValue else { throw InstallReportError("\(path)[\(index)] must be a string, not \(item.typeName)") }
            texts.append(text)
        }
        return texts
    }

    private static func optionalString(_ value: JSONValue?, _ path: String) throws(InstallReportError) -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw InstallReportError("\(path) must be a string or null, not \(value.typeName)") }
        return text
    }

    /// `{"WARNING": [...], "DEPRECATED": [...]}` → how many entries in all.
    private static func recoverable(_ value: JSONValue?, _ path: String) throws(InstallReportError) -> Int {
        guard let value, value != .null else { return 0 }
        guard let levels = value.objectValue else { throw InstallReportError("\(path) must be an object of lists, not \(value.typeName)") }
        var count = 0
        for (level, entries) in levels {
            guard let items = entries.arrayValue else { throw InstallReportError("\(path).\(level) must be a list, not \(entries.typeName)") }
            count += items.count
        }
        return count
    }
}
