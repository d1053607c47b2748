import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// A real machine boots from provisiond, nothing simulated: QEMU (TCG) with Debian's iPXE NIC
/// ROMs, on a tap device in a network namespace where the release `provisiond` answers DHCP
/// (full mode), TFTP and HTTP. The machine is registered with a profile whose kernel and
/// initramfs come from `scripts/build-netboot-initramfs`; its `/init` plays the installer: DHCP,
/// NoCloud meta-data and user-data from the `ds=nocloud;s=URL;dsmode=net` on its command line, then
/// phone-home with the token from the user-data. Powered on again, the installed machine must
/// be sent to its local disk (iPXE `exit`) and boot it.
///
/// Each boot is given `bootSeconds`; when one does not finish, the failure names the last step
/// reached (from provisiond's log and the serial console) and shows both. UEFI's last step (the
/// disk after `exit`) was fixed in provisiond (`exit 1`): see `reboot`.
///
/// Serialized although the machines could boot side by side (each has its own namespace, tap,
/// provisiond and folder): a test body blocks its thread of the test runner's pool for minutes,
/// and the pool has one thread per core. Two at once on a 2-core machine starve every other
/// suite until their own time limits run out (seen: two 2-minute limits exceeded in .ci/run).
@Suite(.serialized, .timeLimit(.minutes(30))) struct NetworkBootTests {
    /// Bounds, not expectations: a boot takes 5–45 s here; TCG on a loaded machine is slower
    /// (CI machines have run the machine suites 1.5× slower than ours).
    static let bootSeconds: Double = 450
    /// OVMF walks the NIC's network boot options (PXEv4, HTTPv4, HTTPv6) before the disk.
    static let uefiLocalBootSeconds: Double = 900

    @Test func biosMachineInstallsOverTheNetworkThenBootsItsLocalDisk() throws {
        try installThenReboot(firmware: .bios, mac: "52:54:00:4e:42:01", hostname: "netboot-bios")
    }

    @Test func uefiMachineInstallsOverTheNetworkThenBootsItsLocalDisk() throws {
        try installThenReboot(firmware: .uefi, mac: "52:54:00:4e:42:02", hostname: "netboot-uefi")
    }

    /// The local disks the second boots expect, booted alone (no NIC): so when a machine does
    /// not reach its disk after iPXE's `exit`, the disk is not the reason.
    @Test(arguments: [NetworkBootVM.Firmware.bios, .uefi])
    func theLocalDisksBootOnTheirOwn(firmware: NetworkBootVM.Firmware) throws {
        let dir = try TemporaryDirectory(inMemory: true)
        defer { dir.remove() }
        let vm = try NetworkBootVM(mac: "52:54:00:4e:42:ff", firmware: firmware, directory: dir.path + "/vm", lab: nil)
        defer { vm.stop() }
        let boot = try vm.boot()
        let outcome = vm.wait(boot, seconds: 120) { _ in nil as Bool? }
        let serial = vm.serial(boot)
        vm.stop()
        #expect(outcome.exited == NetworkBootVM.localDiskExitStatus && serial.contains(NetworkBootImages.localDiskMarker),
                "\(firmware.rawValue) local disk alone: QEMU status \(outcome.exited.map(String.init) ?? "still running after 120 s"); serial:\n\(Self.tail(serial, 15))\n\(vm.qemuLog(boot))")
    }

    // MARK: - The scenario

    private func installThenReboot(firmware: NetworkBootVM.Firmware, mac: String, hostname: String) throws {
        let dir = try TemporaryDirectory(inMemory: true)
        defer { dir.remove() }
        let assets = dir.path + "/assets"
        try NetworkBootImages.buildKernelAndInitramfs(into: assets + "/netboot")
        let lab = try NetworkBootLab()
        defer { lab.remove() }
        let server = try lab.startNetbootServer(in: dir.path, assets: assets)
        defer { server.stop() }
        let register = try server.ctl(["register", mac, "--hostname", hostname, "--profile", "netboot"])
        try #require(register.status == 0, "step register: provisionctl register failed: \(register.stderr)")
        let vm = try NetworkBootVM(mac: mac, firmware: firmware, directory: dir.path + "/vm", lab: lab)
        defer { vm.stop() }

        // First power-on: the install.
        let started = Date()
        let install = try vm.boot()
        let finished = vm.wait(install, seconds: Self.bootSeconds) { serial in
            serial.contains("NETBOOT: FAILED") ? serial : nil
        }
        if finished.value != nil, finished.exited == nil { _ = vm.wait(install, seconds: 20) { _ in nil as Bool? } }
        let installSeconds = Date().timeIntervalSince(started)
        let serial = vm.serial(install)
        let log = server.log
        let steps = Self.installSteps(mac: mac)
        let reached = steps.lastIndex { $0.done(serial, log) }
        guard reached == steps.count - 1, vm.exitStatus == 0 else {
            let next = reached.map { $0 + 1 < steps.count ? steps[$0 + 1].name : "QEMU to power off" } ?? steps[0].name
            let status = vm.exitStatus.map { "QEMU exited with status \($0)" } ?? "QEMU still running after \(Int(Self.bootSeconds)) s"
            let installerFailure = Self.line(in: serial, startingWith: "NETBOOT: FAILED").map { " The installer said: \($0)" } ?? ""
            vm.stop()
            Issue.record("""
                \(firmware.rawValue) install boot did not complete: last step reached: \
                \(reached.map { steps[$0].name } ?? "none") (\(Int(installSeconds)) s); next expected: \(next); \(status).\(installerFailure)
                \(Self.diagnostics(vm, install, server, mac: mac))
                """)
            return
        }
        print("NetworkBootTests: \(firmware.rawValue) install boot took \(String(format: "%.1f", installSeconds)) s")

        // The serial console: every step of the installer, in order.
        let markers = ["NETBOOT: init started", "NETBOOT: nic", "NETBOOT: dhcp ok", "NETBOOT: cmdline", "NETBOOT: meta-data ok",
                       "NETBOOT: user-data ok", "NETBOOT: phone-home ok", "NETBOOT: done"]
        let positions = markers.map { serial.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! },
                "serial markers out of order or missing: \(Self.tail(serial, 30))")
        let cmdline = Self.line(in: serial, startingWith: "NETBOOT: cmdline ") ?? ""
        #expect(cmdline.contains("console=ttyS0") && cmdline.contains("ds=nocloud;s=http://\(NetworkBootLab.serverAddress):8080/cloud-init/\(mac)/;dsmode=net"),
                "the kernel got the profile's rendered command line: \(cmdline)")
        // iPXE's EFI build hands the initrd to the kernel's EFI stub only when it is named.
        #expect(cmdline.contains("initrd=initramfs.gz"), "\(cmdline)")
        #expect(serial.contains("NETBOOT: phone-home ok {\"mac\":\"\(mac)\",\"state\":\"installed\"}"), "\(Self.tail(serial, 10))")

        // provisiond's side: DHCP pointed iPXE at the script, which loaded the profile's assets.
        #expect(log.contains("dhcp mac=\(mac) type=DHCPREQUEST reply=DHCPACK ip=10.79.0.")
                && log.contains("file=http://\(NetworkBootLab.serverAddress):8080/boot.ipxe?mac=\(mac)"), "\(Self.tail(log, 30))")
        #expect(log.contains("method=GET path=/assets/netboot/linux status=200"))
        #expect(log.contains("method=GET path=/assets/netboot/initramfs.gz status=200"))

        // The lifecycle: registered → booting → installing → installed, one event each, then ready
        // once its (no) hooks have run.
        try server.waitUntilIdle()
        let shown = try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)
        let instanceID = try #require(shown["instanceId"]?.stringValue)
        #expect(shown["state"] == .string("ready"))
        #expect(serial.contains("NETBOOT: meta-data ok instance-id=\(instanceID) hostname=\(hostname)"))
        let events = try Self.events(server, mac)
        #expect(events.map { $0["event"]?.stringValue ?? "?" } == ["register", "boot-install", "fetch-user-data", "phone-home", "hooks-succeeded"],
                "\(events)")
        #expect(events.map { $0["to"]?.stringValue ?? "?" } == ["registered", "booting", "installing", "installed", "ready"])
        #expect(events.dropFirst().map { $0["from"]?.stringValue ?? "?" } == ["registered", "booting", "installing", "installed"])
        #expect(events.first { $0["event"] == .string("phone-home") }?["detail"] == .string("instance_id=\(instanceID) hostname=\(hostname)"),
                "phone-home carried what the machine read from meta-data")

        // Second power-on: the installed machine is sent to its local disk, and boots it.
        try reboot(vm, server, mac: mac, events: events)
    }

    private func reboot(_ vm: NetworkBootVM, _ server: ServerProcess, mac: String, events before: [JSONValue]) throws {
        let firmware = vm.firmware
        let rendered = try server.ctl(["render", mac, "ipxe"])
        let exitScript = rendered.stdout
        let lastCommand = exitScript.split(separator: "\n").last.map(String.init) ?? ""
        try #require(rendered.status == 0 && (lastCommand == "exit" || lastCommand.hasPrefix("exit ")),
                     "an installed machine's script ends in `exit`: \(exitScript) \(rendered.stderr)")
        let echo = exitScript.split(separator: "\n").first { $0.hasPrefix("echo ") }.map { String($0.dropFirst(5)) } ?? "booting the local disk"
        let logOffset = server.log.count
        let started = Date()
        let second = try vm.boot()
        let seconds = firmware == .uefi ? Self.uefiLocalBootSeconds : Self.bootSeconds
        // Done when the disk booted, or (UEFI) when the firmware gave up on the boot order and
        // opened its boot manager menu.
        let outcome = vm.wait(second, seconds: seconds) { serial -> String? in
            if serial.contains(NetworkBootImages.localDiskMarker) { return "local-disk" }
            if serial.contains("BdsDxe: starting Boot0000 \"UiApp\"") { return "uefi-menu" }
            if serial.contains("NETBOOT: init started") { return "reinstall" }
            return nil
        }
        if outcome.value == "local-disk", outcome.exited == nil { _ = vm.wait(second, seconds: 10) { _ in nil as Bool? } }
        let rebootSeconds = Date().timeIntervalSince(started)
        let serial = vm.serial(second)
        let log = String(server.log.dropFirst(logOffset))
        let exited = vm.exitStatus
        vm.stop()
        print("NetworkBootTests: \(firmware.rawValue) second boot ended in \(outcome.value ?? "timeout") after \(String(format: "%.1f", rebootSeconds)) s")

        // provisiond answered the installed machine with `exit`, and nothing moved.
        let scriptRequests = log.split(separator: "\n").filter { $0.contains("method=GET path=/boot.ipxe ") && $0.contains("mac=\(mac)") }
        #expect(!scriptRequests.isEmpty, "step reboot: the installed machine never asked for /boot.ipxe: \(Self.tail(log, 20))")
        #expect(scriptRequests.allSatisfy { $0.contains("status=200 bytes=\(exitScript.utf8.count) ") },
                "every /boot.ipxe answer after the install is the \(exitScript.utf8.count)-byte exit script: \(scriptRequests)")
        #expect(serial.contains(echo), "iPXE ran the exit script (\(echo)): \(Self.tail(serial, 20))")
        #expect(!log.contains("path=/assets/"), "no installer was loaded again: \(Self.tail(log, 20))")
        #expect(outcome.value != "reinstall", "the installed machine booted the installer again")
        let after = try Self.events(server, mac)
        #expect(after == before, "no new lifecycle event (no second boot-install): \(after.dropFirst(before.count))")
        #expect(try JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout)["state"] == .string("ready"))

        let diagnostics = { "\(Self.diagnostics(vm, second, server, mac: mac, serial: serial, log: log))" }
        switch firmware {
        case .bios:
            #expect(outcome.value == "local-disk" && exited == NetworkBootVM.localDiskExitStatus,
                    "step local-disk: SeaBIOS did not boot the local disk after iPXE's exit (outcome \(outcome.value ?? "timeout after \(Int(seconds)) s"), QEMU status \(exited.map(String.init) ?? "running")).\n\(diagnostics())")
        case .uefi:
            // The firmware's own PXE client, tried after the NIC ROM's iPXE exits, takes the
            // classic path: DHCP → ipxe.efi over TFTP → iPXE → /boot.ipxe, and gets `exit` too.
            #expect(log.contains("reply=DHCPOFFER") && log.contains("file=ipxe.efi"), "OVMF's PXE was offered ipxe.efi: \(Self.tail(log, 30))")
            #expect(log.contains("tftp-sent") && log.contains("file=ipxe.efi bytes="), "ipxe.efi went over TFTP: \(Self.tail(log, 30))")
            // Then its HTTP boot client (vendor class HTTPClient): ipxe.efi by URL, and `exit` again.
            #expect(log.contains("method=GET path=/ipxe/ipxe.efi status=200"), "OVMF's HTTP boot fetched ipxe.efi: \(Self.tail(log, 30))")
            #expect(scriptRequests.count == 3, "the ROM's iPXE, then the PXE and HTTP boots' ipxe.efi each ran the exit script: \(scriptRequests)")
            // provisiond's local-disk script ends in `exit 1`: an error status makes the UEFI
            // boot manager go on to the next boot option (a plain `exit` returns EFI_SUCCESS, and
            // OVMF then stops in its menu, UEFI 3.1.1), and at last to the disk.
            #expect(outcome.value == "local-disk" && exited == NetworkBootVM.localDiskExitStatus,
                    "step local-disk: OVMF did not boot the local disk after iPXE's exit 1 (outcome \(outcome.value ?? "timeout after \(Int(seconds)) s"), QEMU status \(exited.map(String.init) ?? "running")).\n\(diagnostics())")
        }
    }

    // MARK: - Progress and diagnostics

    private struct Step {
        let name: String
        let done: (_ serial: String, _ log: String) -> Bool
    }

    /// The install boot's steps in order, each recognised in provisiond's log or on the serial console.
    private static func installSteps(mac: String) -> [Step] {
        let script = "file=http://\(NetworkBootLab.serverAddress):8080/boot.ipxe?mac=\(mac)"
        return [
            Step(name: "firmware DHCP offer with the script URL") { _, log in log.contains("dhcp mac=\(mac) type=DHCPDISCOVER reply=DHCPOFFER") && log.contains(script) },
            Step(name: "firmware DHCP ack") { _, log in log.contains("dhcp mac=\(mac) type=DHCPREQUEST reply=DHCPACK") },
            Step(name: "GET /boot.ipxe (boot-install → booting)") { _, log in log.contains("transition mac=\(mac) event=boot-install to=booting") },
            Step(name: "GET kernel /assets/netboot/linux") { _, log in log.contains("path=/assets/netboot/linux status=200") },
            Step(name: "GET initrd /assets/netboot/initramfs.gz") { _, log in log.contains("path=/assets/netboot/initramfs.gz status=200") },
            Step(name: "kernel started (serial)") { serial, _ in serial.contains("Linux version") },
            Step(name: "/init started") { serial, _ in serial.contains("NETBOOT: init started") },
            Step(name: "NIC driver loaded, interface up") { serial, _ in serial.contains("NETBOOT: nic ") },
            Step(name: "installer DHCP lease") { serial, _ in serial.contains("NETBOOT: dhcp ok") },
            Step(name: "GET meta-data") { serial, _ in serial.contains("NETBOOT: meta-data ok") },
            Step(name: "GET user-data (fetch-user-data → installing)") { serial, log in
                serial.contains("NETBOOT: user-data ok") && log.contains("transition mac=\(mac) event=fetch-user-data to=installing")
            },
            Step(name: "POST phone-home (phone-home → installed)") { serial, log in
                serial.contains("NETBOOT: phone-home ok") && log.contains("transition mac=\(mac) event=phone-home to=installed")
            },
            Step(name: "installer done, powering off") { serial, _ in serial.contains("NETBOOT: done") },
        ]
    }

    private static func diagnostics(_ vm: NetworkBootVM, _ boot: Int, _ server: ServerProcess, mac: String,
                                    serial: String? = nil, log: String? = nil) -> String {
        let serial = serial ?? vm.serial(boot)
        let lastMarker = serial.split(separator: "\n").last { $0.contains("NETBOOT:") }.map(String.init) ?? "none"
        let state = (try? JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout))?["state"]?.stringValue ?? "?"
        return """
            machine state: \(state); last serial marker: \(lastMarker)
            --- serial (\(vm.serialPath(boot)), last lines) ---
            \(tail(serial, 25))
            --- provisiond log, last lines ---
            \(tail(log ?? server.log, 25))
            --- qemu \(vm.arguments.joined(separator: " ")) ---
            \(tail(vm.qemuLog(boot), 10))
            """
    }

    private static func tail(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(count).map { String($0.prefix(300)) }.joined(separator: "\n")
    }

    private static func line(in text: String, startingWith prefix: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
    }

    private static func events(_ server: ServerProcess, _ mac: String) throws -> [JSONValue] {
        let result = try server.ctl(["events", mac, "--json"])
        guard result.status == 0 else { throw TestFailure("provisionctl events \(mac) failed: \(result.stderr)") }
        return try JSONParser.parse(result.stdout).arrayValue ?? []
    }
}
