import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// The deploy environment on real (virtual) hardware, nothing simulated (DESIGN.md §13): two
/// QEMU machines (TCG) power on side by side, each in a network namespace with a release
/// `provisiond` (DHCP full mode, TFTP, HTTP) — SeaBIOS with a blank virtio disk and a blank AHCI
/// SATA disk, OVMF with a blank NVMe disk — and boot the shipped `commission` profile: DHCP →
/// iPXE → the environment built by `scripts/build-deploy-env` → its facts posted with the
/// install token → power off. The BIOS machine is registered with that profile; the UEFI one is
/// unknown, and its server holds discovered machines with `--commission-profile commission`
/// (commission-only: it stays `discovered`, and then waits in iPXE). One boot each checks the
/// kernel, the recipe's modules (disk and NIC drivers), the facts script on real device trees,
/// the report and what provisiond keeps.
@Suite(.serialized, .timeLimit(.minutes(12))) struct DeployEnvironmentBootTests {
    /// A bound, not an expectation: one boot takes about 45 s alone here; two at once under
    /// TCG on a loaded 2-core machine are slower.
    static let bootSeconds: Double = 400
    static let repository = NetworkBootImages.repository

    struct Machine {
        let vm: NetworkBootVM
        let name: String
        /// Blank disk files and their serials.
        let disks: [(path: String, serial: String)]
    }

    @Test func biosAndUEFIMachinesReportTheirHardware() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let assets = dir.path + "/assets"
        try NetworkBootImages.buildDeployEnvironment(into: assets + "/deploy-env")
        let version = try #require(try String(contentsOfFile: assets + "/deploy-env/VERSION", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("version ") }.map { String($0.dropFirst("version ".count)) })
        // A lab (namespace, tap, provisiond) each: a tap takes one machine.
        let labs = try (0..<2).map { _ in try NetworkBootLab() }
        defer { labs.forEach { $0.remove() } }
        let servers = try labs.enumerated().map { try startServer($0.element, dir, assets: assets, name: "server\($0.offset)") }
        defer { servers.forEach { $0.stop() } }
        let bios = try machine(labs[0], dir, name: "bios", firmware: .bios, mac: "52:54:00:de:e0:01", disks: [
            ("virtio-blk-pci", "DEPLOYVIRT", 2048), ("ide-hd,bus=sata.0", "DEPLOYSATA", 1024),
        ], controllers: ["-device", "ahci,id=sata"])
        let uefi = try machine(labs[1], dir, name: "uefi", firmware: .uefi, mac: "52:54:00:de:e0:02", disks: [("nvme", "DEPLOYNVME", 1024)])
        // The profile listing names the environment's build.
        let profiles = try JSONParser.parse(try servers[0].ctl(["profiles", "--json"]).stdout).arrayValue ?? []
        #expect(profiles.first { $0["name"] == .string("commission") }?["kernelVersion"] == .string(version), "\(profiles)")
        #expect(profiles.first { $0["name"] == .string("debian-12") }?["kernelVersion"] == .null)
        let register = try servers[0].ctl(["register", bios.vm.mac, "--hostname", "deploy-bios", "--profile", "commission"])
        try #require(register.status == 0, "provisionctl register failed: \(register.stderr)")

        let started = Date()
        let boots = try [bios, uefi].map { try $0.vm.boot() }
        var seconds: [String: Double] = [:]
        for ((machine, boot), server) in zip(zip([bios, uefi], boots), servers) {
            let outcome = machine.vm.wait(boot, seconds: Self.bootSeconds) { serial in serial.contains("DEPLOY: FAILED") ? true : nil }
            if outcome.value != nil, outcome.exited == nil { _ = machine.vm.wait(boot, seconds: 20) { _ in nil as Bool? } }
            seconds[machine.name] = Date().timeIntervalSince(started)
            let serial = machine.vm.serial(boot)
            let exited = machine.vm.exitStatus
            guard exited == 0, serial.contains("DEPLOY: done") else {
                machine.vm.stop()
                Issue.record("""
                    \(machine.name): the deploy environment did not report and power off \
                    (\(exited.map { "QEMU exited \($0)" } ?? "still running after \(Int(Self.bootSeconds)) s")).
                    --- serial ---
                    \(Self.tail(serial, 30))
                    --- provisiond ---
                    \(Self.tail(server.log, 20))
                    --- qemu \(machine.vm.arguments.joined(separator: " ")) ---
                    \(Self.tail(machine.vm.qemuLog(boot), 10))
                    """)
                continue
            }
            print("DeployEnvironmentBootTests: \(machine.name) powered on to facts reported and off in \(String(format: "%.1f", seconds[machine.name]!)) s")
            try check(machine, serial: serial, server: server, version: version)
            try checkLifecycle(machine, server: server, registered: machine.name == "bios")
            let log = server.log
            #expect(log.contains("method=GET path=/assets/deploy-env/vmlinuz status=200")
                    && log.contains("method=GET path=/assets/deploy-env/initrd.img status=200"), "\(Self.tail(log, 30))")
        }
    }

    /// What one machine's boot must have shown and left.
    private func check(_ machine: Machine, serial: String, server: ServerProcess, version: String) throws {
        let mac = machine.vm.mac
        let markers = ["DEPLOY: started, version \(version)", "DEPLOY: nic ", "DEPLOY: dhcp ok", "DEPLOY: facts reported", "DEPLOY: done"]
        let positions = markers.map { serial.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! },
                "\(machine.name): serial markers missing or out of order:\n\(Self.tail(serial, 30))")
        #expect(!serial.contains("DEPLOY: modprobe failed"), "\(machine.name): every recipe module loads:\n\(Self.tail(serial, 30))")

        let shown = try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)
        let facts = try #require(shown["facts"], "\(machine.name): no facts stored")
        #expect(facts["environment"] == .string(version))
        #expect(facts["firmware"]?["mode"] == .string(machine.vm.firmware == .bios ? "bios" : "uefi"))
        // OVMF_CODE_4M.fd is the build without Secure Boot: its SecureBoot variable says 0.
        #expect(facts["firmware"]?["secure_boot"] == (machine.vm.firmware == .bios ? .null : .bool(false)), "\(facts["firmware"]?.encoded() ?? "")")
        #expect(facts["system"] == .object([("vendor", .string("Provisiond Lab")), ("product", .string("Deploy \(machine.name)")),
                                            ("serial", .string("SN-\(machine.name)")), ("uuid", .string(Self.uuid(machine.name)))]),
                "\(facts["system"]?.encoded() ?? "")")
        #expect(facts["cpu"]?["threads"] == .int(1) && facts["cpu"]?["sockets"] == .int(1))
        let memory = facts["memory"]?["total_bytes"]?.intValue ?? 0
        #expect(memory > 300 << 20 && memory <= 512 << 20, "MemTotal of a 512 MiB machine: \(memory)")
        let nics = facts["nics"]?.arrayValue ?? []
        #expect(nics.count == 1 && nics.first?["mac"] == .string(mac) && nics.first?["driver"] == .string("e1000")
                && nics.first?["link"] == .bool(true) && nics.first?["speed_mbps"] == .int(1000), "\(nics)")

        let disks = facts["disks"]?.arrayValue ?? []
        for (path, serialNumber) in machine.disks {
            let disk = disks.first { $0["serial"] == .string(serialNumber) }
            #expect(disk != nil, "\(machine.name): no disk with serial \(serialNumber) in \(disks)")
            guard let disk else { continue }
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
            #expect(disk["size_bytes"] == .int(size))
            #expect(disk["partition_table"] == .null && disk["removable"] == .bool(false))
            let expected: (String, String) = switch serialNumber {
            case "DEPLOYVIRT": ("virtio", "/dev/disk/by-id/virtio-DEPLOYVIRT")
            case "DEPLOYSATA": ("sata", "/dev/disk/by-id/ata-QEMU_HARDDISK_DEPLOYSATA")
            default: ("nvme", "/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_DEPLOYNVME")
            }
            #expect(disk["transport"] == .string(expected.0) && disk["by_id"] == .array([.string(expected.1)]), "\(disk.encoded())")
            // Commissioning writes nothing: the blank disks are still holes.
            var status = stat()
            #expect(stat(path, &status) == 0 && status.st_blocks == 0, "\(path) was written to")
        }

        let text = try server.ctl(["show", mac]).stdout
        #expect(text.contains("hardware:   Provisiond Lab Deploy \(machine.name) serial SN-\(machine.name)"), "\(text)")
        let events = try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
        #expect(events.contains { $0["event"] == .string("commissioned") }, "\(events)")
    }

    /// The registered machine moved to `booting` like any install; the discovered one stays
    /// `discovered`, and now that it has reported, waits in iPXE for the operator.
    private func checkLifecycle(_ machine: Machine, server: ServerProcess, registered: Bool) throws {
        let mac = machine.vm.mac
        let events = try JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout).arrayValue ?? []
        let names = events.map { $0["event"]?.stringValue ?? "?" }
        let state = try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)["state"]
        if registered {
            #expect(names == ["register", "boot-install", "commissioned"] && state == .string("booting"), "\(events)")
            return
        }
        #expect(names == ["discover", "commissioned"] && state == .string("discovered"), "\(events)")
        let script = try server.ctl(["render", mac, "ipxe"]).stdout
        #expect(script.contains("waiting for an operator to adopt it") && script.contains("sleep "), "\(script)")
    }

    // MARK: - Setup

    private func machine(_ lab: NetworkBootLab, _ dir: TemporaryDirectory, name: String, firmware: NetworkBootVM.Firmware, mac: String,
                         disks: [(device: String, serial: String, mebibytes: Int)], controllers: [String] = []) throws -> Machine {
        let vm = try NetworkBootVM(mac: mac, firmware: firmware, directory: dir.path + "/\(name)", lab: lab)
        var arguments = controllers + ["-smbios", "type=1,manufacturer=Provisiond Lab,product=Deploy \(name),serial=SN-\(name),uuid=\(Self.uuid(name))"]
        var files: [(String, String)] = []
        for (index, disk) in disks.enumerated() {
            let path = dir.path + "/\(name)/blank-\(index).img"
            guard FileManager.default.createFile(atPath: path, contents: nil), truncate(path, off_t(disk.mebibytes) << 20) == 0 else {
                throw TestFailure("cannot make the blank disk \(path)")
            }
            arguments += ["-drive", "file=\(path),format=raw,if=none,id=blank\(index)", "-device", "\(disk.device),drive=blank\(index),serial=\(disk.serial)"]
            files.append((path, disk.serial))
        }
        vm.extraArguments = arguments
        return Machine(vm: vm, name: name, disks: files)
    }

    static func uuid(_ name: String) -> String { name == "bios" ? "0b105000-0000-4000-8000-000000000001" : "0ef10000-0000-4000-8000-000000000002" }

    private func startServer(_ lab: NetworkBootLab, _ dir: TemporaryDirectory, assets: String, name: String) throws -> ServerProcess {
        let config = dir.path + "/\(name).json"
        try """
            {"dhcp": {"mode": "full", "subnets": [
              {"cidr": "\(NetworkBootLab.subnet)", "range": ["10.79.0.100", "10.79.0.150"], "router": "\(NetworkBootLab.serverAddress)",
               "leaseSeconds": 600}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        return try ServerProcess(dataDir: dir.path + "/\(name)", extraArguments: [
            "--config", config, "--dhcp-mode", "full", "--interface", lab.tap, "--discovery", "hold", "--commission-profile", "commission",
            "--http-listen", "0.0.0.0:8080", "--tftp-listen", "0.0.0.0:69",
            "--profiles-dir", Self.repository.path + "/profiles", "--cloud-init-dir", Self.repository.path + "/cloud-init",
            "--assets-dir", assets,
        ], namespace: lab.namespace, metadataTrust: "address")
    }

    private static func tail(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).map { String($0.prefix(300)) }.joined(separator: "\n")
    }
}
