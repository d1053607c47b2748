import Foundation
import Proxmox
import TestSupport
import Testing
import Wire

/// provisionctl proxmox against a real provisiond driving fakepve: add, template rollout on two
/// nodes and again, VM create end to end, concurrent creates, delete.
@Suite(.timeLimit(.minutes(5))) struct ProxmoxOperationsTests {
    @Test func templateRolloutOnTwoNodesIsIdempotentAndSecretsStayInside() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try ProxmoxLab(dir)
        let (pve, server) = (lab.pve, lab.server)
        let first = try lab.rollout()
        #expect(first.status == 0, "\(first.stderr)")
        let results = try JSONParser.parse(first.stdout).arrayValue ?? []
        #expect(results.map { $0["status"]?.stringValue } == ["created", "created"])
        let client = try pve.client()
        for result in results {
            let node = result["node"]?.stringValue ?? "", vmid = result["vmid"]?.intValue ?? 0
            let config = try client.get("/nodes/\(node)/qemu/\(vmid)/config")
            #expect(config["template"]?.intValue == 1)
            #expect(config["scsi0"]?.stringValue?.contains("import-from=local:import/provisiond-debian-12-") == true)
            #expect(config["ide2"]?.stringValue?.hasPrefix("local-lvm:") == true)
            #expect(config["serial0"] == .string("socket") && config["vga"] == .string("serial0") && config["boot"] == .string("order=scsi0"))
            #expect(config["agent"] == .string("1"))
        }
        let again = try lab.rollout()
        #expect(try JSONParser.parse(again.stdout).arrayValue?.map { $0["status"]?.stringValue } == ["unchanged", "unchanged"])
        #expect(try JSONParser.parse(again.stdout).arrayValue?.map { $0["vmid"] } == results.map { $0["vmid"] })

        let listed = try server.ctl(["proxmox", "endpoints", "--json"])
        #expect(listed.stdout.contains("\"has_secret\": true") && !listed.stdout.contains(FakePVE.tokenSecret))
        #expect(server.stop() == 0)
        #expect(!server.log.contains(FakePVE.tokenSecret))
    }

    @Test func halfMadeTemplateIsReportedAndReplaced() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try ProxmoxLab(dir, faults: [.init(method: "POST", suffix: "/template", status: 500, message: "storage went away", times: 1)])
        defer { lab.pve.stop() }
        let first = try lab.rollout()
        #expect(first.status == 1)
        #expect(first.stderr.contains("storage went away"), "\(first.stderr)")
        let second = try lab.rollout()
        #expect(second.status == 1)
        #expect(second.stderr.contains("half-made") && second.stderr.contains("--replace"), "\(second.stderr)")
        let replaced = try lab.rollout(["--replace"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try JSONParser.parse(replaced.stdout).arrayValue?.map { $0["status"]?.stringValue } == ["replaced", "unchanged"])
    }

    @Test func vmCreateEndToEndConcurrentlyThenDelete() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try ProxmoxLab(dir)
        let (pve, server) = (lab.pve, lab.server)
        #expect(try lab.rollout().status == 0)
        // Two files, the first with a comment, a blank line and two keys; a comment with spaces
        // and `+` in the base64 must reach PVE as they are.
        let alice = SSHKeyLines.ed25519(fill: 0xFB, comment: "alice on laptop 2")
        let bob = SSHKeyLines.ed25519(fill: 0x3E, comment: "bob@desk")
        let carol = SSHKeyLines.ed25519(fill: 0xF8, comment: "carol")
        #expect(alice.contains("+") && alice.contains("/"))
        try "# team keys\n\n  \(alice)  \n\(bob)\n".write(toFile: dir.path + "/team.pub", atomically: true, encoding: .utf8)
        try "\(carol)\n".write(toFile: dir.path + "/carol.pub", atomically: true, encoding: .utf8)
        let names = ["web1", "web2", "web3"]
        let outputs = Outputs()
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            let result = try? lab.createVM(names[index], ["--role", "worker", "--cores", "2", "--memory", "2048", "--disk", "20G",
                                                          "--ssh-key-file", dir.path + "/team.pub", "--ssh-key-file", dir.path + "/carol.pub"])
            outputs.set(index, result)
        }
        let client = try pve.client()
        var vmids: Set<Int> = []
        for (index, name) in names.enumerated() {
            let result = try #require(outputs.get(index))
            #expect(result.status == 0, "\(name): \(result.stderr)")
            let vm = try JSONParser.parse(result.stdout)
            let vmid = try #require(vm["vmid"]?.intValue), node = vm["node"]?.stringValue ?? "", mac = vm["mac"]?.stringValue ?? ""
            vmids.insert(vmid)
            let config = try client.get("/nodes/\(node)/qemu/\(vmid)/config")
            #expect(config["net0"]?.stringValue?.lowercased().hasPrefix("virtio=\(mac)") == true)
            #expect(ProxmoxJSON.int(config["cores"]) == 2 && ProxmoxJSON.int(config["memory"]) == 2048)
            // PVE keeps sshkeys URL-encoded and decodes it once (uri_unescape: `+` stays a plus).
            let sshkeys = config["sshkeys"]?.stringValue ?? ""
            #expect(!sshkeys.contains("+") && !sshkeys.contains(" "), "\(sshkeys)")
            #expect(sshkeys.removingPercentEncoding == "\(alice)\n\(bob)\n\(carol)\n")
            let smbios = config["smbios1"]?.stringValue ?? ""
            let serial = Data(base64Encoded: String(smbios.split(separator: ",").first { $0.hasPrefix("serial=") }?.dropFirst(7) ?? ""))
            #expect(serial.map { String(decoding: $0, as: UTF8.self) } == "ds=nocloud;s=http://10.77.0.1:8080/cloud-init/\(mac)/;dsmode=net")
            #expect(smbios.contains("base64=1") && smbios.contains("uuid="))
            #expect(try client.get("/nodes/\(node)/qemu/\(vmid)/status/current")["status"] == .string("running"))
            // fakepve checks the resize against PVE's schema and runs its task, but keeps no size.
            let tasks = try client.get("/nodes/\(node)/tasks", [("vmid", .int(vmid))]).arrayValue ?? []
            #expect(tasks.contains { $0["type"] == .string("resize") && $0["status"] == .string("OK") })
            let events = try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue?.map { $0["event"]?.stringValue ?? "" }
            #expect(events == ["register", "proxmox-clone", "proxmox-configure", "proxmox-resize", "proxmox-start"])
        }
        #expect(vmids.count == names.count)

        let list = try JSONParser.parse(try server.ctl(["proxmox", "vm", "list", "--json"]).stdout).arrayValue ?? []
        #expect(list.map { $0["status"]?.stringValue } == ["running", "running", "running"])
        #expect(list.map { $0["state"]?.stringValue } == ["registered", "registered", "registered"])
        // Each VM got power settings naming its endpoint: provisionctl power switches it.
        let web2 = try #require(list.first { $0["name"] == .string("web2") }?["mac"]?.stringValue)
        let power = try JSONParser.parse(try server.ctl(["power", "show", web2, "--json"]).stdout)
        #expect(power["driver"] == .string("proxmox") && power["address"] == list.first?["endpoint"], "\(power)")
        #expect(try server.ctl(["power", "status", web2]).stdout == "\(web2): on\n")
        let off = try server.ctl(["power", "off", web2])
        #expect(off.status == 0 && off.stdout == "\(web2): off: on → off → off\n", "\(off.stdout)\(off.stderr)")

        let badMemory = try lab.createVM("bad1", ["--memory", "1"])
        #expect(badMemory.status == 1)
        #expect(badMemory.stderr.contains("memory") && badMemory.stderr.contains("proxmox-configure"), "\(badMemory.stderr)")
        #expect(try server.ctl(["proxmox", "vm", "delete", "bad1"]).status == 0)

        let deleted = try server.ctl(["proxmox", "vm", "delete", "web1"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let remaining = try JSONParser.parse(try server.ctl(["proxmox", "vm", "list", "--json"]).stdout).arrayValue ?? []
        #expect(remaining.map { $0["name"]?.stringValue } == ["web2", "web3"])
        let web1 = list.first { $0["name"] == .string("web1") }
        #expect(throws: ProxmoxError.self) { try client.get("/nodes/\(web1?["node"]?.stringValue ?? "")/qemu/\(web1?["vmid"]?.intValue ?? 0)/config") }
        #expect(try server.ctl(["show", web1?["mac"]?.stringValue ?? ""]).status == 1)
    }
}

private final class Outputs: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: ProcessResult] = [:]
    func set(_ index: Int, _ result: ProcessResult?) { lock.withLock { results[index] = result } }
    func get(_ index: Int) -> ProcessResult? { lock.withLock { results[index] } }
}
