import Dispatch
import Foundation
import Inventory
import Power
import Synchronization
import Wire

/// Performs power operations on machines: each runs on a queue of its own (never on the
/// request's connection queue), is an event on the machine with its outcome, a log line with the
/// MAC and a count in `provisiond_power_operations_total`. A request waits for it a bounded time.
final class PowerService: Sendable {
    let inventory: Inventory
    let drivers: PowerDrivers
    let log: Logger
    /// How long a request waits for one operation before it answers that it still runs.
    let answerWithin: Double
    /// Operations of one bulk request at once.
    static let bulkParallel = 8
    /// How long the changes an operation starts may take to show at the BMC (sushy's fake driver
    /// applies them up to 11 s late; real BMCs take a firmware POST) before the poller counts
    /// a change as nobody's.
    static let settleSeconds: Double = 180

    private let queue = DispatchQueue(label: "provisiond.power", attributes: .concurrent)
    let watch = Mutex(PowerWatch())

    init(inventory: Inventory, drivers: PowerDrivers, answerWithin: Double = 150, log: Logger) {
        self.inventory = inventory
        self.drivers = drivers
        self.answerWithin = answerWithin
        self.log = log
    }

    /// What one operation on one machine came to.
    struct Report: Sendable {
        let mac: String
        let driver: String?
        let operation: PowerOperation
        let result: Result<PowerOutcome, PowerError>

        var json: JSONValue {
            var fields: [(String, JSONValue)] = [("mac", .string(mac)), ("operation", .string(operation.rawValue)),
                                                 ("driver", driver.map(JSONValue.string) ?? .null)]
            switch result {
            case .success(let outcome):
                fields += [("ok", .bool(true)), ("before", .string(outcome.before.description)),
                           ("steps", .array(outcome.steps.map { .string($0.rawValue) })),
                           ("after", outcome.after.map { .string($0.description) } ?? .null),
                           ("state", .string((outcome.after ?? outcome.before).description)), ("summary", .string(outcome.summary))]
            case .failure(let error):
                fields += [("ok", .bool(false)), ("error", .string(error.description))]
            }
            return .object(fields)
        }
    }

    /// Runs the operation off the caller's thread and waits for it up to `answerWithin`; nil
    /// when it still runs then (it goes on, and its event is recorded when it ends).
    func perform(_ operation: PowerOperation, on mac: MACAddress, source: String) throws(APIError) -> Report? {
        let settings = try settings(mac)
        let box = Mutex<Report?>(nil)
        let done = DispatchSemaphore(value: 0)
        queue.async {
            let report = self.execute(operation, settings, source: source)
            box.withLock { $0 = report }
            done.signal()
        }
        guard done.wait(timeout: .now() + answerWithin) == .success else { return nil }
        return box.withLock { $0 }
    }

    /// The same operation on many machines, `bulkParallel` at once; machines without power
    /// settings are reported as failed.
    func performAll(_ operation: PowerOperation, on macs: [MACAddress], source: String) -> [Report] {
        let reports = Mutex<[Int: Report]>([:])
        let slots = DispatchSemaphore(value: Self.bulkParallel)
        let group = DispatchGroup()
        for (index, mac) in macs.enumerated() {
            slots.wait()
            group.enter()
            queue.async {
                let report: Report
                do throws(APIError) {
                    report = self.execute(operation, try self.settings(mac), source: source)
                } catch {
                    report = Report(mac: mac.description, driver: nil, operation: operation, result: .failure(.invalid(error.message)))
                }
                reports.withLock { $0[index] = report }
                slots.signal()
                group.leave()
            }
        }
        group.wait()
        return reports.withLock { all in macs.indices.compactMap { all[$0] } }
    }

    /// The machine's settings; 404 when it has none.
    func settings(_ mac: MACAddress) throws(APIError) -> PowerSettingsRecord {
        guard let settings = try APIError.inventory({ () throws(InventoryError) in try inventory.powerSettings(mac) }) else {
            throw APIError(404, "\(mac) has no power settings (provisionctl power set \(mac) ...)")
        }
        return settings
    }

    /// Reads the power state for the poller, without an event.
    func state(_ settings: PowerSettingsRecord) -> Result<PowerState, PowerError> {
        do {
            let session = try drivers.open(settings)
            defer { session.close() }
            return .success(try session.driver.state())
        } catch {
            return .failure(error)
        }
    }

    /// One operation, start to end: the driver, the steps, then the event, the metric and the log.
    private func execute(_ operation: PowerOperation, _ settings: PowerSettingsRecord, source: String) -> Report {
        if let target = operation.target {
            let until = Date().timeIntervalSince1970 + Self.settleSeconds
            watch.withLock { $0.expect(settings.mac, on: target, until: until) }
        }
        let result: Result<PowerOutcome, PowerError>
        do {
            let session = try drivers.open(settings)
            defer { session.close() }
            result = .success(try session.driver.run(operation))
        } catch {
            result = .failure(error)
        }
        let report = Report(mac: settings.mac, driver: settings.driver.rawValue, operation: operation, result: result)
        record(report, settings, source: source)
        return report
    }

    private func record(_ report: Report, _ settings: PowerSettingsRecord, source: String) {
        let bmc = PowerDrivers.describe(settings)
        ServerMetrics.shared.powerOperation(driver: settings.driver.rawValue, operation: report.operation.rawValue,
                                            succeeded: (try? report.result.get()) != nil)
        let detail: String
        switch report.result {
        case .success(let outcome):
            detail = "ok: \(outcome.summary) (\(settings.driver.rawValue) \(bmc))"
            log.info("power", ["mac": settings.mac, "operation": report.operation.rawValue, "driver": settings.driver.rawValue,
                               "bmc": bmc, "outcome": "ok", "detail": outcome.summary, "source": source])
        case .failure(let error):
            detail = "failed: \(error.description) (\(settings.driver.rawValue) \(bmc))"
            log.warning("power", ["mac": settings.mac, "operation": report.operation.rawValue, "driver": settings.driver.rawValue,
                                  "bmc": bmc, "outcome": "failed", "error": error.description, "source": source])
        }
        // A status that read the state changed nothing: the metric and the answer tell it.
        if report.operation == .status, case .success = report.result { return }
        do {
            try inventory.recordEvent(try MACAddress(settings.mac), event: report.operation.eventName, detail: detail, source: source)
        } catch {
            log.error("power-event-not-recorded", ["mac": settings.mac, "operation": report.operation.rawValue, "error": "\(error)"])
        }
    }
}
