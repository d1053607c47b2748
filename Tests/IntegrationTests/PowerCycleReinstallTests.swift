import Foundation
import TestSupport
import Testing
import Wire

/// The loop closed with nobody at the console: a BMC (sushy-emulator's fake system, made a real
/// QEMU machine by `power_rig.py`) switches a BIOS machine that network-boots the busybox
/// installer of NetworkBootTests. `register --power-on` installs it; powered on again it boots
/// its local disk and stays on; `reimage --power-cycle` makes it boot from the network once and
/// reinstall to `ready`. The test only talks to provisiond (provisionctl) and reads the rig's
/// output and serial logs; the power poller records the installer's own power-off.
///
/// One machine, three power-ons (two installs of 25–45 s under TCG, one disk boot).
@Suite(.serialized, .timeLimit(.minutes(25))) struct PowerCycleReinstallTests {
    static let mac = "52:54:00:4e:42:15"
    /// Bounds, not expectations (an install boot takes 25–45 s here, slower on a loaded CI machine).
    static let bootSeconds: Double = 480

    @Test func reimageWithPowerCycleReinstallsAnInstalledMachine() throws {
        let dir = try TemporaryDirectory(inMemory: true)
        defer { dir.remove() }
        let assets = dir.path + "/assets"
        try NetworkBootImages.buildKernelAndInitramfs(into: assets + "/netboot")
        let lab = try NetworkBootLab()
        defer { lab.remove() }
        let emulator = try SushyEmulator(directory: dir.path + "/sushy", namespace: lab.namespace, notifyURL: PowerRig.notifyURL)
        defer { emulator.stop() }
        let machine = try NetworkBootVM(mac: Self.mac, firmware: .bios, directory: dir.path + "/vm", lab: lab)
        let rig = try PowerRig(lab: lab, machine: machine, emulator: emulator, directory: dir.path + "/rig")
        defer { rig.stop() }
        let server = try lab.startNetbootServer(in: dir.path, assets: assets, extraArguments: ["--power-poll-interval", "1"])
        defer { server.stop() }
        let diagnostics = { "rig:\n\(rig.lines.joined(separator: "\n"))\nprovisiond:\n\(Self.tail(server.log, 30))\nsushy:\n\(Self.tail(emulator.log, 10))" }

        // 1. register --power-on: network boot once, power on, install.
        let password = try dir.write("bmc.password", SushyEmulator.password + "\n")
        let register = try server.ctl(["register", Self.mac, "--hostname", "bmc-node", "--profile", "netboot",
                                       "--redfish", emulator.url, "--user", SushyEmulator.user, "--password-file", password,
                                       "--ca-file", emulator.pki.caFile, "--power-on"])
        try #require(register.status == 0, "register --power-on: \(register.stderr)\n\(diagnostics())")
        #expect(register.stdout.contains("\(Self.mac): pxe: off → pxe-once → on"), "\(register.stdout)")
        let first = try waitUntilReady(server, previous: nil, diagnostics)
        try poll("the installer's power-off to reach the BMC: \(diagnostics())", seconds: 60, every: 0.5) {
            try rig.lines.contains("exited 1 status 0") && power(server) == "off"
        }
        #expect(rig.lines.dropFirst().prefix(2) == ["command On", "boot 1 network"], "after ready: \(rig.lines)")
        #expect(rig.serial(1).contains("NETBOOT: phone-home ok"))
        // The poller saw the machine go off, which provisiond did not do.
        try poll("a power-changed event for the installer's power-off: \(diagnostics())", seconds: 60, every: 0.5) {
            try events(server).contains { $0["event"] == .string("power-changed") && $0["detail"]?.stringValue?.hasPrefix("on → off") == true }
        }

        // 2. Powered on without an override, the installed machine boots its disk and stays on.
        #expect(try server.ctl(["power", "on", Self.mac]).status == 0)
        try poll("the local disk to boot: \(diagnostics())", seconds: Self.bootSeconds, every: 0.5) {
            rig.serial(2).contains(NetworkBootImages.localDiskMarker)
        }
        #expect(rig.lines.contains("boot 2 disk"), "\(rig.lines)")
        try poll("the BMC to report the machine on: \(diagnostics())", seconds: 60, every: 0.5) { try power(server) == "on" }
        #expect(rig.lines.filter { $0.hasPrefix("exited 2") }.isEmpty, "the installed machine stays on: \(rig.lines)")

        // 3. reimage --power-cycle: network boot once, cycle, reinstall.
        let before = try events(server).count
        let reimage = try server.ctl(["reimage", Self.mac, "--power-cycle", "--json"])
        try #require(reimage.status == 0, "reimage --power-cycle: \(reimage.stderr)\n\(diagnostics())")
        let answer = try JSONParser.parse(reimage.stdout)
        #expect(answer["machine"]?["state"] == .string("registered"))
        #expect(answer["power"]?["steps"] == .array([.string("pxe-once"), .string("cycle")]), "\(answer)")
        _ = try waitUntilReady(server, previous: first, diagnostics)
        #expect(rig.lines.contains("boot 3 network") && rig.lines.contains("command ForceRestart"), "\(rig.lines)")
        // `ready` comes with the phone-home request; the installer prints its line once the
        // answer is back, and QEMU writes it to the serial log after that (CI once read the log
        // in between).
        try poll("the installer to print its phone-home: \(diagnostics())", seconds: 60, every: 0.2) {
            rig.serial(3).contains("NETBOOT: phone-home ok")
        }

        // The timeline: power event → DHCP → install → ready, power-changed readings aside.
        let timeline = try events(server).dropFirst(before).map { $0["event"]?.stringValue ?? "?" }.filter { $0 != "power-changed" }
        #expect(timeline == ["reimage", "power-pxe", "boot-install", "fetch-user-data", "phone-home", "hooks-succeeded"],
                "\(timeline)\n\(diagnostics())")
        #expect(server.log.contains("dhcp mac=\(Self.mac) type=DHCPREQUEST reply=DHCPACK"))
    }

    /// Polls until the machine is `ready` with an instance-id other than `previous`; returns it.
    private func waitUntilReady(_ server: ServerProcess, previous: String?, _ diagnostics: () -> String) throws -> String {
        var shown = JSONValue.null
        try poll("the machine to install to ready: \(diagnostics())", seconds: Self.bootSeconds, every: 0.5) {
            shown = try JSONParser.parse(try server.ctl(["show", Self.mac, "--json"]).stdout)
            if shown["state"] == .string("failed") { throw TestFailure("the install failed: \(shown)\n\(diagnostics())") }
            return shown["state"] == .string("ready") && shown["instanceId"]?.stringValue != previous
        }
        return shown["instanceId"]?.stringValue ?? ""
    }

    private func power(_ server: ServerProcess) throws -> String {
        let status = try server.ctl(["power", "status", Self.mac, "--json"])
        return (try? JSONParser.parse(status.stdout))?["state"]?.stringValue ?? "?"
    }

    private func events(_ server: ServerProcess) throws -> [JSONValue] {
        try JSONParser.parse(try server.ctl(["events", Self.mac, "--json"]).stdout).arrayValue ?? []
    }

    private static func tail(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n").suffix(count).map { String($0.prefix(300)) }.joined(separator: "\n")
    }
}
