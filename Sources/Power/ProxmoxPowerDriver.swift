import Proxmox
import Wire

/// A Proxmox VM as a power driver, through the existing client: `status/current` for the
/// state, `status/start`, `status/stop` (a hard stop, like pulling the plug) and `status/reset`
/// as tasks the client waits for, and the boot order for `pxe`.
public struct ProxmoxPowerDriver: PowerDriver, @unchecked Sendable {
    let client: ProxmoxClient
    let base: String

    public init(client: ProxmoxClient, node: String, vmid: Int) {
        self.client = client
        base = "/nodes/\(ProxmoxClient.segment(node))/qemu/\(vmid)"
    }

    public func state() throws(PowerError) -> PowerState {
        let status = try proxmox { () throws(ProxmoxError) in try client.get("\(base)/status/current") }
        switch status["status"]?.stringValue {
        case "running": return status["qmpstatus"]?.stringValue == "paused" ? .other("paused") : .on
        case "stopped": return .off
        case let other: return .other(other ?? "unknown")
        }
    }

    public func perform(_ step: PowerStep) throws(PowerError) {
        switch step {
        case .on: try proxmox { () throws(ProxmoxError) in try client.task("POST", "\(base)/status/start") }
        case .off: try proxmox { () throws(ProxmoxError) in try client.task("POST", "\(base)/status/stop") }
        case .cycle: try proxmox { () throws(ProxmoxError) in try client.task("POST", "\(base)/status/reset") }
        case .bootFromNetworkOnce:
            let config = try proxmox { () throws(ProxmoxError) in try client.get("\(base)/config") }
            guard let order = try ProxmoxBootOrder.networkFirst(config: config) else { return }
            try proxmox { () throws(ProxmoxError) in try client.task("POST", "\(base)/config", [("boot", .text(order))]) }
        }
    }

    /// Proxmox's errors as the BMC's: PVE's own message is what the operator reads.
    @discardableResult
    func proxmox<T>(_ body: () throws(ProxmoxError) -> T) throws(PowerError) -> T {
        do { return try body() } catch {
            switch error {
            case .api(let status, _, _): throw .bmc(status: status, message: error.description)
            case .transport: throw .unreachable(error.description)
            case .untrusted, .fingerprintMismatch: throw .untrusted(error.description)
            case .invalid(let message): throw .invalid(message)
            default: throw .bmc(status: nil, message: error.description)
            }
        }
    }
}
