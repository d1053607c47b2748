import Wire

/// What a machine posts to `/cloud-init/MAC/phone-home` or `/cloud-init/MAC/failed`, decoded
/// into the lifecycle's next step and a readable event detail (DESIGN.md §12).
///
/// - A JSON body on phone-home is cloud-init's verdict (`result.json` or `cloud-init status
///   --format json`): no errors → the install is applied; errors → it failed, with the modules.
/// - A form (cloud-init's own `phone_home` module, an installer's `curl -d`) or an empty body on
///   phone-home is a plain report for installers that are not cloud-init: applied.
/// - Anything posted to `failed` fails the install; its reason (form, JSON `message`, plain text
///   or a cloud-init verdict) is stored decoded.
public struct InstallReport: Equatable, Sendable {
    public enum Route: String, Sendable {
        case phoneHome = "phone-home"
        case failed
    }

    /// The profile was applied (→ installed); false → failed.
    public let applied: Bool
    /// One line for the event's detail, at most `detailLimit` characters.
    public let detail: String
    /// cloud-init's verdict when the report carried one.
    public let verdict: CloudInitVerdict?

    public static let detailLimit = 1500
    static let fieldLimit = 300
    /// The form fields a phone-home's detail keeps (cloud-init's phone_home also posts SSH host
    /// keys, which say nothing here).
    static let phoneHomeFields: Set<String> = ["hostname", "instance_id", "fqdn"]
    /// The fields that carry a failure's reason, first found wins.
    static let reasonFields = ["message", "error", "reason"]

    public init(applied: Bool, detail: String, verdict: CloudInitVerdict? = nil) {
        self.applied = applied
        self.detail = EventText.line(detail, limit: Self.detailLimit)
        self.verdict = verdict
    }

    public static func decode(_ body: [UInt8], contentType: String?, route: Route) throws(InstallReportError) -> InstallReport {
        let mediaType = contentType.map(Self.mediaType)
        let start = body.firstIndex { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        guard let start else { return route == .phoneHome ? InstallReport(applied: true, detail: "") : InstallReport(applied: false, detail: "no reason given") }
        guard let text = String(validating: body, as: UTF8.self) else { throw InstallReportError("the report body is not UTF-8 text") }
        if mediaType == "application/json" || body[start] == UInt8(ascii: "{") || body[start] == UInt8(ascii: "[") {
            return try json(body, route: route)
        }
        switch mediaType {
        case nil, "application/x-www-form-urlencoded": return try form(text, route: route)
        case "text/plain": return InstallReport(applied: route == .phoneHome, detail: text)
        case let other?:
            throw InstallReportError("unsupported Content-Type \"\(other)\": post cloud-init's verdict as application/json, "
                + "or form fields (application/x-www-form-urlencoded), or text/plain")
        }
    }

    /// `application/json; charset=utf-8` → `application/json`.
    private static func mediaType(_ header: String) -> String {
        let type = header.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return String(type.filter { $0 != " " && $0 != "\t" }).lowercased()
    }

    private static func json(_ body: [UInt8], route: Route) throws(InstallReportError) -> InstallReport {
        let document: JSONValue
        do { document = try JSONParser.parse(body) } catch { throw InstallReportError("the report body is not valid JSON: \(error.description)") }
        if route == .failed, let members = document.objectValue, document["v1"] == nil, document["status"] == nil {
            let fields = members.compactMap { name, value -> (String, String)? in
                switch value {
                case .string(let text): (name, text)
                case .number(let text): (name, text)
                case .bool(let flag): (name, flag ? "true" : "false")
                default: nil
                }
            }
            return failure(fields)
        }
        let verdict = try CloudInitVerdict.decode(document)
        return InstallReport(applied: route == .phoneHome && verdict.applied, detail: verdict.summary, verdict: verdict)
    }

    private static func form(_ text: String, route: Route) throws(InstallReportError) -> InstallReport {
        var fields: [(String, String)] = []
        for (index, pair) in text.split(separator: "&").enumerated() {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true) else {
                throw InstallReportError("form field \(index + 1) (\"\(EventText.line(String(parts[0]), limit: 40))\") has a bad percent-escape or is not UTF-8")
            }
            fields.append((name.trimmingNewlines(), value.trimmingNewlines()))
        }
        guard route == .phoneHome else { return failure(fields) }
        let kept = fields.filter { phoneHomeFields.contains($0.0) }.map { "\($0.0)=\(EventText.line($0.1, limit: fieldLimit))" }
        return InstallReport(applied: true, detail: kept.joined(separator: " "))
    }

    /// A failure's detail: its reason first, then the other fields as `name=value`.
    private static func failure(_ fields: [(String, String)]) -> InstallReport {
        let reason = reasonFields.lazy.compactMap { name in fields.first { $0.0 == name } }.first
        let others = fields.filter { $0.0 != reason?.0 }.map { "\($0.0)=\(EventText.line($0.1, limit: fieldLimit))" }
        let parts = [reason.map(\.1)].compactMap { $0 } + (others.isEmpty ? [] : [others.joined(separator: " ")])
        return InstallReport(applied: false, detail: parts.isEmpty ? "no reason given" : parts.joined(separator: " — "))
    }
}

private extension String {
    /// A form value as curl or a shell's `$(...)` leaves it, without the trailing line break.
    func trimmingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
