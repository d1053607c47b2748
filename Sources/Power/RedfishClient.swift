import Foundation
import Proxmox
import Wire

/// A Redfish BMC as a power driver: reads the ComputerSystem, POSTs its reset action with a
/// ResetType the BMC allows, PATCHes the one-time network boot, and follows a task monitor when
/// the BMC answers 202 Accepted. HTTPS goes through the same curl transport as Proxmox (one
/// `curl -K -` per request, the password only on curl's stdin).
public final class RedfishClient: PowerDriver, @unchecked Sendable {
    public let endpoint: RedfishEndpoint
    let transport: ProxmoxTransport
    /// Seconds a task monitor may stay at 202 before the operation is given up.
    public var taskTimeout: Double = 120
    let sleep: @Sendable (Double) -> Void

    public init(endpoint: RedfishEndpoint, transport: ProxmoxTransport,
                sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.endpoint = endpoint
        self.transport = transport
        self.sleep = sleep
    }

    /// A client over curl with the endpoint's trust (a pinned fingerprint is checked first);
    /// `timeout` bounds each request, so an unreachable BMC fails within it.
    public static func connect(_ endpoint: RedfishEndpoint, timeout: Double = 30) throws(PowerError) -> RedfishClient {
        do {
            let caFile: String?
            switch endpoint.trust {
            case .caFile(let path): caFile = path
            case .fingerprint(let fingerprint, let pinnedFile):
                try CertificateProbe.pin(fingerprint, url: endpoint.base, into: pinnedFile)
                caFile = pinnedFile
            case .system: caFile = nil
            }
            return RedfishClient(endpoint: endpoint, transport: try CurlTransport(caFile: caFile, timeout: timeout))
        } catch {
            throw Self.powerError(error, url: endpoint.base)
        }
    }

    public func state() throws(PowerError) -> PowerState {
        try system().system.powerState
    }

    public func perform(_ step: PowerStep) throws(PowerError) {
        let (path, system, etag) = try system()
        switch step {
        case .bootFromNetworkOnce:
            if let targets = system.allowedBootTargets, !targets.contains("Pxe") {
                throw .unsupported("the BMC's boot override targets are \(targets.joined(separator: ", ")): no Pxe")
            }
            // Some BMCs (iLO 5, iDRAC) answer 428 to a PATCH without the resource's ETag
            // (DSP0266 §8.9: If-Match); it is sent whenever the GET carried one.
            try expectSuccess(try send("PATCH", path, RedfishRequests.bootFromNetworkOnce(mode: system.bootOverrideMode),
                                       extraHeaders: etag.map { [("If-Match", $0)] } ?? []))
        case .on, .off, .cycle:
            let type = try RedfishRequests.resetType(for: step, allowed: system.allowedResetTypes)
            try expectSuccess(try send("POST", system.resetTarget, RedfishRequests.reset(type)))
        }
    }

    /// The ComputerSystem's path, contents and ETag; without a configured path, the service's
    /// only member of `/redfish/v1/Systems`.
    func system() throws(PowerError) -> (path: String, system: RedfishSystem, etag: String?) {
        let path: String
        if let configured = endpoint.systemPath { path = configured } else { path = try onlySystemPath() }
        let reply = try expectSuccess(try send("GET", path))
        return (path, try RedfishSystem(try json(reply)), reply.headers["etag"])
    }

    func onlySystemPath() throws(PowerError) -> String {
        let collection = try json(try expectSuccess(try send("GET", "/redfish/v1/Systems")))
        let members = (collection["Members"]?.arrayValue ?? []).compactMap { $0["@odata.id"]?.stringValue }
        guard members.count == 1, let only = members.first else {
            throw .invalid(members.isEmpty
                ? "the BMC lists no systems under /redfish/v1/Systems"
                : "the BMC has \(members.count) systems (\(members.joined(separator: ", "))): name one in the URL, e.g. \(endpoint.base)\(members[0])")
        }
        return only
    }

    func send(_ method: String, _ path: String, _ body: JSONValue? = nil, extraHeaders: [(String, String)] = []) throws(PowerError) -> HTTPReply {
        var headers = [("Authorization", endpoint.authorization), ("Accept", "application/json"), ("OData-Version", "4.0")] + extraHeaders
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let url = path.hasPrefix("https://") ? path : endpoint.base + path
        do {
            return try transport.send(HTTPExchange(method: method, url: url, headers: headers, body: body?.encoded()))
        } catch {
            throw Self.powerError(error, url: url)
        }
    }

    /// 2xx passes; 202 Accepted is followed to its end (DSP0266 §12.2: poll the task monitor in
    /// `Location` until it stops answering 202); anything else is the BMC's error message.
    @discardableResult
    func expectSuccess(_ reply: HTTPReply) throws(PowerError) -> HTTPReply {
        guard (200..<300).contains(reply.status) else {
            throw .bmc(status: reply.status, message: RedfishErrorBody.message(reply.body, reason: reply.reason))
        }
        guard reply.status == 202, let monitor = reply.headers["location"] else { return reply }
        return try follow(monitor)
    }

    func follow(_ monitor: String) throws(PowerError) -> HTTPReply {
        let deadline = Date().addingTimeInterval(taskTimeout)
        var delay = 0.2
        while true {
            let reply = try send("GET", monitor)
            guard (200..<300).contains(reply.status) else {
                throw .bmc(status: reply.status, message: RedfishErrorBody.message(reply.body, reason: reply.reason))
            }
            // A monitor answers 202 while running; some BMCs answer 200 with the Task itself.
            if reply.status != 202, let task = try? RedfishTask(JSONParser.parse(reply.body)) {
                switch task.progress {
                case .completed: return reply
                case .failed(let message): throw .bmc(status: reply.status, message: message)
                case .running: break
                }
            } else if reply.status != 202 {
                return reply
            }
            guard Date() < deadline else { throw .unreachable("the BMC's task \(monitor) still runs after \(Int(taskTimeout)) s") }
            sleep(delay)
            delay = min(delay * 2, 2)
        }
    }

    func json(_ reply: HTTPReply) throws(PowerError) -> JSONValue {
        do { return try JSONParser.parse(reply.body) } catch { throw .malformed("not JSON (\(error))") }
    }

    /// The transport's failures in the BMC's terms.
    static func powerError(_ error: ProxmoxError, url: String) -> PowerError {
        switch error {
        case .untrusted:
            .untrusted("the TLS certificate of the BMC at \(url) is not trusted: set --ca-file FILE (the CA that signed the BMC's certificate) or --fingerprint SHA256 (the BMC certificate's)")
        case .fingerprintMismatch: .untrusted(error.description)
        case .transport(let message): .unreachable(message)
        case .invalid(let message): .invalid(message)
        default: .malformed(error.description)
        }
    }
}
