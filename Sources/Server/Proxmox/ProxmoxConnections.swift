import Foundation
import Inventory
import Proxmox

/// Turns stored endpoints into clients; their trust files live in `<data>/proxmox/` (`TrustFiles`).
struct ProxmoxConnections: Sendable, VMIDLedger {
    let inventory: Inventory
    let directory: String
    /// How long one task may run (`--proxmox-task-timeout`).
    let taskTimeout: Double
    let log: Logger

    init(inventory: Inventory, dataDir: String, taskTimeout: Double, log: Logger) {
        self.inventory = inventory
        directory = dataDir + "/proxmox"
        self.taskTimeout = taskTimeout
        self.log = log
    }

    func client(_ name: String) throws(APIError) -> ProxmoxClient {
        let record: ProxmoxEndpointRecord?
        do { record = try inventory.proxmoxEndpoint(name) } catch { throw APIError(error) }
        guard let record else { throw APIError(404, "no Proxmox endpoint named \(name) (provisionctl proxmox add)") }
        return try client(record)
    }

    func client(_ record: ProxmoxEndpointRecord) throws(APIError) -> ProxmoxClient {
        do {
            let client = try ProxmoxClient.connect(try endpoint(record))
            client.taskTimeout = taskTimeout
            return client
        } catch {
            throw Self.apiError(error)
        }
    }

    private func endpoint(_ record: ProxmoxEndpointRecord) throws(ProxmoxError) -> ProxmoxEndpoint {
        let trust = try TrustFiles(directory: directory).trust(name: record.name, caPEM: record.caPEM, fingerprint: record.fingerprint)
        let credentials: ProxmoxEndpoint.Credentials = record.auth == .token
            ? .token(id: record.principal, secret: record.secret) : .password(user: record.principal, password: record.secret)
        return try ProxmoxEndpoint(name: record.name, url: record.url, credentials: credentials, trust: trust)
    }

    /// Checks an endpoint before it is stored: trust, credentials and that it answers.
    func verify(_ record: ProxmoxEndpointRecord) throws(APIError) -> String {
        do {
            let version = try client(record).get("/version")
            return version["version"]?.stringValue ?? "unknown"
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError(502, "\(error)")
        }
    }

    static func apiError(_ error: ProxmoxError) -> APIError {
        switch error {
        case .invalid: APIError(400, error.description)
        default: APIError(502, error.description)
        }
    }

    func reserve(endpoint: String, from candidate: Int, purpose: String) throws -> Int {
        try inventory.reserveVMID(endpoint: endpoint, from: candidate, purpose: purpose)
    }

    /// A reservation that cannot be dropped stays in the store: that vmid is skipped until an
    /// operator removes the row, so the failure is logged with the endpoint and vmid.
    func release(endpoint: String, vmid: Int) {
        do { try inventory.releaseVMID(endpoint: endpoint, vmid: vmid) } catch {
            log.error("vmid-not-released", ["endpoint": endpoint, "vmid": String(vmid), "error": error.description])
        }
    }
}
