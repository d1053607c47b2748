import Foundation
import Power
import Proxmox
import TestSupport
import Testing
import Wire

/// The Proxmox power driver against fakepve: a VM's power through the existing client.
@Suite(.timeLimit(.minutes(3))) struct ProxmoxPowerTests {
    @Test func statusOnCycleOffPxeAndRefusals() throws {
        let dir = try TemporaryDirectory()
        let pve = try FakePVE(directory: dir.path)
        let client = try pve.client()
        try client.task("POST", "/nodes/pve1/qemu/100/config", [("net0", .text("virtio=52:54:00:00:15:02,bridge=vmbr0"))])
        let vm = ProxmoxPowerDriver(client: client, node: "pve1", vmid: 100)

        let start = try vm.state()
        if start == .on { try vm.perform(.off) }
        #expect(try vm.run(.status).before == .off)
        #expect(try vm.run(.cycle) == PowerOutcome(operation: .cycle, before: .off, steps: [.on], after: .on))
        #expect(try vm.run(.cycle) == PowerOutcome(operation: .cycle, before: .on, steps: [.cycle], after: .on))
        #expect(try vm.run(.off) == PowerOutcome(operation: .off, before: .on, steps: [.off], after: .off))
        #expect(try vm.run(.pxe) == PowerOutcome(operation: .pxe, before: .off, steps: [.bootFromNetworkOnce, .on], after: .on))
        let boot = try client.get("/nodes/pve1/qemu/100/config")["boot"]?.stringValue
        #expect(boot?.hasPrefix("order=net0") == true, "boot is \(boot ?? "unset")")
        // Net first already: a second pxe changes no config and cycles.
        #expect(try vm.run(.pxe).steps == [.bootFromNetworkOnce, .cycle])

        // What PVE says reaches the operator: reset of a stopped VM.
        try vm.perform(.off)
        #expect {
            try vm.perform(.cycle)
        } throws: { error in
            guard case PowerError.bmc(_, let message) = error else { return false }
            return message.contains("not running")
        }

        let gone = ProxmoxPowerDriver(client: client, node: "pve1", vmid: 999)
        #expect(throws: PowerError.self) { try gone.state() }
        let wrong = try ProxmoxClient.connect(try ProxmoxEndpoint(name: "fake", url: pve.url, credentials: .token(id: FakePVE.tokenID, secret: "nope"),
                                                                  trust: .caFile(pve.pki.caFile)))
        #expect(throws: PowerError.bmc(status: 401, message: "Proxmox API error 401: authentication failure")) {
            try ProxmoxPowerDriver(client: wrong, node: "pve1", vmid: 100).state()
        }

        // The test CA is not among the system's: refused, naming what to trust instead.
        let stranger = try ProxmoxClient.connect(try ProxmoxEndpoint(name: "fake", url: pve.url, credentials: .token(id: FakePVE.tokenID, secret: FakePVE.tokenSecret),
                                                                     trust: .system))
        #expect {
            try ProxmoxPowerDriver(client: stranger, node: "pve1", vmid: 100).state()
        } throws: { error in
            guard case PowerError.untrusted(let message) = error else { return false }
            return message.contains("--ca-file")
        }

        // Nobody listens: a clear error, after the client's bounded retries.
        let closed = try FakePVE.freePort()
        let nowhere = try ProxmoxClient.connect(try ProxmoxEndpoint(name: "fake", url: "https://127.0.0.1:\(closed)",
                                                                    credentials: .token(id: FakePVE.tokenID, secret: "x"), trust: .caFile(pve.pki.caFile)))
        let started = Date()
        #expect {
            try ProxmoxPowerDriver(client: nowhere, node: "pve1", vmid: 100).state()
        } throws: { error in
            guard case PowerError.unreachable(let message) = error else { return false }
            return message.contains("127.0.0.1")
        }
        #expect(Date().timeIntervalSince(started) < 60, "gave up after \(Date().timeIntervalSince(started)) s")
    }
}
