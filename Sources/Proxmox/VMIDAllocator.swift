/// Where vmids being used by creates in progress are kept (provisiond's SQLite).
public protocol VMIDLedger: Sendable {
    /// Reserves the lowest free id from `candidate` up; returns it.
    func reserve(endpoint: String, from candidate: Int, purpose: String) throws -> Int
    func release(endpoint: String, vmid: Int)
}

/// Picks a vmid two concurrent creates cannot both get: PVE's `GET /cluster/nextid` proposes,
/// the ledger reserves locally (serialised by SQLite), and `GET /cluster/nextid?vmid=N`
/// confirms PVE has no guest with it (a 400 `vmid: VM N already exists` moves on to N+1).
public struct VMIDAllocator: Sendable {
    let client: ProxmoxClient
    let ledger: VMIDLedger
    static let attempts = 50

    public init(client: ProxmoxClient, ledger: VMIDLedger) {
        self.client = client
        self.ledger = ledger
    }

    /// A reserved vmid; the caller releases it once the guest exists (or failed).
    public func allocate(preferred: Int?, purpose: String) throws(ProxmoxError) -> Int {
        var candidate: Int
        if let preferred {
            candidate = preferred
        } else {
            let proposed = try client.get("/cluster/nextid")
            guard let next = ProxmoxJSON.int(proposed) else {
                throw .malformed("nextid answered \(proposed.encoded())")
            }
            candidate = next
        }
        for _ in 0..<Self.attempts {
            let vmid: Int
            do { vmid = try ledger.reserve(endpoint: client.endpoint.name, from: candidate, purpose: purpose) } catch {
                throw .invalid("cannot reserve a vmid: \(error)")
            }
            do {
                _ = try client.get("/cluster/nextid", [("vmid", .int(vmid))])
                return vmid
            } catch .api(status: 400, let message, let fields) where fields["vmid"] != nil {
                ledger.release(endpoint: client.endpoint.name, vmid: vmid)
                if preferred != nil { throw .api(status: 400, message: message, fieldErrors: fields) }
                candidate = vmid + 1
            } catch {
                ledger.release(endpoint: client.endpoint.name, vmid: vmid)
                throw error
            }
        }
        throw .invalid("no free vmid found after \(Self.attempts) tries from \(candidate)")
    }
}
