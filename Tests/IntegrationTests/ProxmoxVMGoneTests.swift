import Foundation
import Proxmox
import TestSupport
import Testing
import Wire

/// `vm delete` of VMs removed in PVE behind provisiond's back: the inventory is cleaned with a
/// note, and a guest that took the vmid since is left alone.
@Suite(.timeLimit(.minutes(3))) struct ProxmoxVMGoneTests {
    @Test func deleteOfVMsGoneFromPVECleansTheInventoryWithANote() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try ProxmoxLab(dir)
        #expect(try lab.rollout(nodes: ["pve1"]).status == 0)
        let client = try lab.pve.client()
        var vms: [String: JSONValue] = [:]
        for name in ["gone1", "gone2"] {
            let created = try lab.createVM(name)
            #expect(created.status == 0, "\(created.stderr)")
            let vm = try JSONParser.parse(created.stdout)
            vms[name] = vm
            let base = "/nodes/\(vm["node"]?.stringValue ?? "")/qemu/\(vm["vmid"]?.intValue ?? 0)"
            try client.task("POST", base + "/status/stop")
            try client.task("DELETE", base)
        }
        // Someone else's guest now has gone2's vmid.
        let reused = try #require(vms["gone2"]?["vmid"]?.intValue)
        try client.task("POST", "/nodes/pve1/qemu", [("vmid", .int(reused)), ("name", .text("intruder"))])

        let first = try lab.server.ctl(["proxmox", "vm", "delete", "gone1"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("note: VM \(vms["gone1"]?["vmid"]?.intValue ?? 0) was no longer on lab"), "\(first.stdout)")
        let second = try lab.server.ctl(["proxmox", "vm", "delete", "gone2", "--retire", "--json"])
        #expect(second.status == 0, "\(second.stderr)")
        let answer = try JSONParser.parse(second.stdout)
        #expect(answer["destroyed"] == .bool(false))
        #expect(answer["note"]?.stringValue?.contains("now holds intruder, not gone2") == true, "\(second.stdout)")
        #expect(try client.get("/nodes/pve1/qemu/\(reused)/config")["name"] == .string("intruder"))

        #expect(try JSONParser.parse(try lab.server.ctl(["proxmox", "vm", "list", "--json"]).stdout).arrayValue == [])
        #expect(try lab.server.ctl(["show", vms["gone1"]?["mac"]?.stringValue ?? ""]).status == 1)
        let retired = try JSONParser.parse(try lab.server.ctl(["show", vms["gone2"]?["mac"]?.stringValue ?? "", "--json"]).stdout)
        #expect(retired["state"] == .string("retired"))
    }
}
