import Boot
import Inventory
import Wire

/// `POST /cloud-init/MAC/phone-home` and `/failed` (DESIGN.md §12): the machine's report, with
/// its install token, decoded (InstallReport) before anything changes. cloud-init's verdict
/// without errors → installed (then hooks → ready); with errors, or any failure report → failed
/// with the reason readable in the event. A report that cannot be decoded is refused with 400 and
/// leaves the state alone (its refusal is recorded, so the operator sees why).
struct InstallReportResponder: Sendable {
    let inventory: Inventory
    let log: Logger

    func respond(_ route: InstallReport.Route, _ machine: Machine, _ request: HTTPRequest) throws(InventoryError) -> HTTPResponse {
        let what = route.rawValue
        if let refusal = try InstallTokenCheck(inventory: inventory, log: log).refusal(request, machine, what: what) { return refusal }
        let report: InstallReport
        do {
            report = try InstallReport.decode(request.body, contentType: request.headers["Content-Type"], route: route)
        } catch {
            // The error may quote what the machine sent: bounded like any detail.
            let why = EventText.line(error.description, limit: 500)
            try inventory.record("\(what)-refused", for: machine.mac, source: "http", detail: "malformed report: \(why)")
            log.warning("\(what)-refused", ["mac": machine.mac.description, "why": why])
            return .error(400, "malformed \(what) report for \(machine.mac): \(why)")
        }
        let event: LifecycleEvent = report.applied ? .phoneHome : .installFailed
        let updated: Machine
        do {
            updated = try inventory.apply(event, to: machine.mac, source: "http", detail: report.detail)
        } catch .invalidTransition(let refusal) {
            // A report that comes too late (the install timed out) or twice: kept in the timeline,
            // so the operator still sees what the machine said.
            try inventory.record("\(what)-refused", for: machine.mac, source: "http", detail: "\(refusal.description): \(report.detail)")
            log.warning("\(what)-refused", ["mac": machine.mac.description, "why": refusal.description])
            return .error(409, "\(refusal.description) (\(machine.mac))")
        }
        let verdict = report.verdict.map { $0.applied ? "cloud-init-applied" : "cloud-init-errors=\($0.errors.count)" } ?? "plain"
        log.info("transition", ["mac": machine.mac.description, "event": event.rawValue, "to": updated.state.rawValue, "report": verdict])
        return .json(200, .object([("mac", .string(updated.mac.description)), ("state", .string(updated.state.rawValue))]))
    }
}
