import Foundation
import Inventory
import Proxmox
import Wire

/// VM create, delete and list: the machine is registered under a MAC provisiond makes before the
/// VM exists, so its first boot finds its cloud-init payloads; each step is an event on it.
struct ProxmoxVMs: Sendable {
    struct CreateRequest: Sendable {
        var name: String
        var endpoint: String
        var template: String
        var profile: String
        var node: String?
        var role: String?
        var cluster: String?
        var cores: Int?
        var memory: Int?
        var disk: String?
        var bridge = "vmbr0"
        /// OpenSSH public keys for cloud-init (PVE's `sshkeys`).
        var sshKeys: [String] = []
    }

    let inventory: Inventory
    let connections: ProxmoxConnections
    /// The boot plane URL the NoCloud seed points at.
    let serverURL: String
    let log: Logger

    func create(_ request: CreateRequest) throws(APIError) -> ProxmoxVMRecord {
        try Self.validate(request)
        let client = try connections.client(request.endpoint)
        let (node, templateID) = try locateTemplate(client, request)
        let machine = try register(request)
        let mac = machine.mac.description
        var step = "reserve-vmid"
        do {
            let vmid = try VMIDAllocator(client: client, ledger: connections).allocate(preferred: nil, purpose: "vm \(request.name)")
            defer { connections.release(endpoint: request.endpoint, vmid: vmid) }
            let record = ProxmoxVMRecord(name: request.name, endpoint: request.endpoint, node: node, vmid: vmid, mac: mac, template: request.template)
            try APIError.inventory { () throws(InventoryError) in
                try inventory.addProxmoxVM(record)
                // Its power goes through the same endpoint (provisionctl power ... MAC).
                try inventory.setPowerSettings(PowerSettingsRecord(mac: mac, driver: .proxmox, address: request.endpoint))
            }
            let base = "/nodes/\(ProxmoxClient.segment(node))/qemu/\(vmid)"
            step = "proxmox-clone"
            try client.task("POST", "/nodes/\(ProxmoxClient.segment(node))/qemu/\(templateID)/clone",
                            [("newid", .int(vmid)), ("name", .text(request.name)), ("full", .bool(true))])
            try event(machine.mac, step, "vmid=\(vmid) node=\(node) template=\(request.template) (\(templateID))")
            step = "proxmox-configure"
            let smbios = NoCloudSeed.smbios1(existing: try client.get("\(base)/config")["smbios1"]?.stringValue,
                                              seedURL: NoCloudSeed.seedURL(server: serverURL, mac: mac))
            var settings: ProxmoxClient.Parameters = [("net0", .text("virtio=\(mac.uppercased()),bridge=\(request.bridge)")), ("smbios1", .text(smbios))]
            if let cores = request.cores { settings.append(("cores", .int(cores))) }
            if let memory = request.memory { settings.append(("memory", .int(memory))) }
            if !request.sshKeys.isEmpty { settings.append(("sshkeys", .text(ProxmoxForm.sshKeys(request.sshKeys)))) }
            try client.task("POST", "\(base)/config", settings)
            try event(machine.mac, step, settings.filter { !["smbios1", "sshkeys"].contains($0.0) }.map { "\($0.0)=\(ProxmoxForm.encode([("", $0.1)]).dropFirst())" }
                        .joined(separator: " ") + " ssh_keys=\(request.sshKeys.count) seed=\(NoCloudSeed.seedURL(server: serverURL, mac: mac))")
            if let disk = request.disk {
                step = "proxmox-resize"
                try client.task("PUT", "\(base)/resize", [("disk", .text("scsi0")), ("size", .text(disk))])
                try event(machine.mac, step, "scsi0 size=\(disk)")
            }
            step = "proxmox-start"
            try client.task("POST", "\(base)/status/start")
            try event(machine.mac, step, "vmid=\(vmid) running")
            return record
        } catch {
            let message = "\(error)"
            log.error("proxmox-vm-failed", ["mac": mac, "name": request.name, "step": step, "error": message])
            try? inventory.recordEvent(machine.mac, event: "proxmox-failed", detail: "\(step): \(message)", source: "proxmox")
            throw APIError(502, "vm create \(request.name) failed at \(step): \(message); remove what was made with: provisionctl proxmox vm delete \(request.name)")
        }
    }

    /// Stops and destroys the VM, then deletes or retires its machine. Returns nil, or a note
    /// saying why nothing was destroyed (the VM was already gone).
    func delete(_ name: String, retire: Bool) throws(APIError) -> String? {
        guard let record = try APIError.inventory({ () throws(InventoryError) in try inventory.proxmoxVM(name) }) else {
            throw APIError(404, "no Proxmox VM named \(name)")
        }
        let client = try connections.client(record.endpoint)
        let note: String?
        do { note = try destroy(client, record) } catch { throw APIError(502, "vm delete \(name): \(error)") }
        if let note {
            log.warning("proxmox-vm-gone", ["mac": record.mac, "name": name, "vmid": String(record.vmid), "note": note])
        } else {
            log.info("proxmox-vm-destroyed", ["mac": record.mac, "name": name, "vmid": String(record.vmid)])
        }
        try APIError.inventory { () throws(InventoryError) in
            if let mac = try? MACAddress(record.mac), try inventory.machine(mac) != nil {
                if retire {
                    _ = try inventory.apply(.retire, to: mac, source: "proxmox", detail: note ?? "VM \(record.vmid) destroyed")
                    // The VM its power settings name is gone.
                    try inventory.deletePowerSettings(mac)
                } else {
                    try inventory.delete(mac)
                }
            }
            try inventory.deleteProxmoxVM(name)
        }
        return note
    }

    /// Stops and destroys the VM on the node PVE has it on now (each step tolerant of "already
    /// gone"). Nothing is destroyed when no guest has its vmid any more, or another guest does.
    private func destroy(_ client: ProxmoxClient, _ record: ProxmoxVMRecord) throws(ProxmoxError) -> String? {
        guard let guest = try Self.guests(client).first(where: { ProxmoxJSON.int($0["vmid"]) == record.vmid }) else {
            return "VM \(record.vmid) was no longer on \(record.endpoint) (deleted outside provisiond): only the inventory entry was removed"
        }
        guard guest["name"]?.stringValue == record.name, guest["type"]?.stringValue == "qemu", let node = guest["node"]?.stringValue else {
            return "vmid \(record.vmid) on \(record.endpoint) now holds \(guest["name"]?.stringValue ?? "an unnamed guest"), not \(record.name): "
                + "it was left alone and only the inventory entry was removed"
        }
        let base = "/nodes/\(ProxmoxClient.segment(node))/qemu/\(record.vmid)"
        if try tolerateGone({ () throws(ProxmoxError) in try client.get("\(base)/status/current")["status"]?.stringValue }) == "running" {
            _ = try tolerateGone { () throws(ProxmoxError) in try client.task("POST", "\(base)/status/stop") }
        }
        _ = try tolerateGone { () throws(ProxmoxError) in
            try client.task("DELETE", base, [("purge", .bool(true)), ("destroy-unreferenced-disks", .bool(true))])
        }
        return nil
    }

    /// Every guest of the cluster (`GET /cluster/resources?type=vm`): vmid, name, node, status.
    private static func guests(_ client: ProxmoxClient) throws(ProxmoxError) -> [JSONValue] {
        try client.get("/cluster/resources", [("type", .text("vm"))]).arrayValue ?? []
    }

    /// The inventory's VMs with what Proxmox says of them now.
    func list(endpoint: String?) throws(APIError) -> JSONValue {
        let records = try APIError.inventory { () throws(InventoryError) in try inventory.proxmoxVMs(endpoint: endpoint) }
        var live: [String: [Int: JSONValue]] = [:]
        for name in Set(records.map(\.endpoint)) {
            // An endpoint that does not answer leaves its VMs "unreachable", not "missing".
            guard let resources = try? Self.guests(connections.client(name)) else { continue }
            live[name] = Dictionary(resources.compactMap { item in ProxmoxJSON.int(item["vmid"]).map { ($0, item) } }) { first, _ in first }
        }
        let vms: [JSONValue] = records.map { record in
            let machine = (try? MACAddress(record.mac)).flatMap { try? inventory.machine($0) }
            let seen = live[record.endpoint]?[record.vmid]
            return .object([
                ("name", .string(record.name)), ("endpoint", .string(record.endpoint)), ("node", .string(seen?["node"]?.stringValue ?? record.node)),
                ("vmid", .int(record.vmid)), ("mac", .string(record.mac)), ("template", .string(record.template)),
                ("state", machine.map { .string($0.state.rawValue) } ?? .null),
                ("status", .string(live[record.endpoint] == nil ? "unreachable" : seen?["status"]?.stringValue ?? "missing")),
            ])
        }
        return .object([("vms", .array(vms))])
    }

    private func register(_ request: CreateRequest) throws(APIError) -> Machine {
        let spec = MachineSpec(hostname: request.name, profile: request.profile, role: request.role, cluster: request.cluster, ip: nil,
                               labels: ["proxmox-endpoint": request.endpoint], nics: [])
        var lastError = APIError(500, "no MAC")
        // A random MAC under PVE's own prefix (BC:24:11, what PVE assigns); a clash is retried.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let octets: [UInt8] = [0xBC, 0x24, 0x11] + (0..<3).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            guard let mac = try? MACAddress(octets: octets) else { throw APIError(500, "cannot form a MAC from \(octets)") }
            do {
                let machine = try inventory.register(mac, spec, source: "proxmox")
                log.info("proxmox-vm-registered", ["mac": mac.description, "name": request.name])
                return machine
            } catch .conflict(let message) where message.hasPrefix("MAC ") {
                lastError = APIError(409, message)
            } catch {
                throw APIError(error)
            }
        }
        throw lastError
    }

    /// The node and vmid of the template: on `--node`, or the first node that has it.
    private func locateTemplate(_ client: ProxmoxClient, _ request: CreateRequest) throws(APIError) -> (String, Int) {
        let resources: [JSONValue]
        do { resources = try Self.guests(client) } catch {
            throw ProxmoxConnections.apiError(error)
        }
        let templates = resources.filter {
            $0["name"]?.stringValue == request.template && ProxmoxJSON.int($0["template"]) == 1
                && (request.node == nil || $0["node"]?.stringValue == request.node)
        }.sorted { ($0["node"]?.stringValue ?? "") < ($1["node"]?.stringValue ?? "") }
        guard let template = templates.first, let node = template["node"]?.stringValue, let vmid = ProxmoxJSON.int(template["vmid"]) else {
            throw APIError(404, "no template \(request.template) on \(request.node ?? "any node") of \(request.endpoint) (provisionctl proxmox template rollout)")
        }
        return (node, vmid)
    }

    private func event(_ mac: MACAddress, _ step: String, _ detail: String) throws(InventoryError) {
        log.info(step, ["mac": mac.description, "detail": detail])
        try inventory.recordEvent(mac, event: step, detail: detail, source: "proxmox")
    }

    private func tolerateGone<T>(_ body: () throws(ProxmoxError) -> T?) throws(ProxmoxError) -> T? {
        do { return try body() } catch where error.isNotFound { return nil }
    }

    private static func validate(_ request: CreateRequest) throws(APIError) {
        if let cores = request.cores, !(1...512).contains(cores) { throw APIError(400, "cores must be 1 to 512") }
        if let disk = request.disk, disk.range(of: #"^\+?\d+(\.\d+)?[KMGT]?$"#, options: .regularExpression) == nil {
            throw APIError(400, "bad disk size \"\(disk)\": expected e.g. 20G or +10G")
        }
        for (index, key) in request.sshKeys.enumerated() {
            do throws(SSHPublicKeyError) { _ = try SSHPublicKey(key) } catch {
                throw APIError(400, "field \"ssh_keys\": item \(index + 1): \(error)")
            }
        }
    }
}
