import Foundation
import TestSupport
import Testing

/// provisiond under a real systemd (issue 13): one boot of the Debian 12 image the real-OS rig
/// builds (`CloudImage.bookworm`, cached; systemd as PID 1, no Swift toolchain) under QEMU (TCG),
/// with a second disk made by `mkfs.ext4 -d` holding `scripts/install`, the shipped files and the
/// release binaries. The kernel command line runs `systemd_service_check.sh` from that disk
/// (systemd.run), which installs with the real installer and checks, printing one line a check on
/// the second serial port: start reaches active only after READY=1, the dedicated user and its
/// one capability, the shipped profiles (an operator's of the same name winning), DHCP (67, 4011)
/// and TFTP (69) bound, `/healthz` with the database and every plane, `systemctl reload` picking
/// up a new profile while a download goes on to its end, SIGSEGV → restarted with
/// the data intact, a stalled DHCP loop (the test-only SIGUSR2) → watchdog restart, a clean stop
/// within TimeoutStopSec, and uninstall. The guest has no network card: nothing leaves QEMU.
@Suite(.serialized, .timeLimit(.minutes(30))) struct SystemdServiceTests {
    /// QEMU exits when the check script ends (poweroff); this bounds a hung guest. Measured
    /// alone under TCG: 105–140 s, boot included; 290 s beside stress-ng --cpu 2; 382 s in a CI
    /// run on a machine 1.5× slower than ours.
    static let guestSeconds: Double = 1200
    static let checks = ["install", "runs-without-toolchain", "start-ready", "ready-before-active", "user", "profiles", "port-67", "port-4011",
                         "port-69", "healthz", "reload", "segv-restart", "watchdog-restart", "watchdog-names-dhcp", "stop", "uninstall"]

    @Test func theInstalledServiceRunsUnderSystemd() throws {
        let image = try CloudImage.bookworm.files()
        let directory = try TemporaryDirectory(inMemory: true)
        defer { directory.remove() }
        let disk = try Self.checkDisk(in: directory)
        let overlay = directory.file("root.qcow2")
        let made = try runTool("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.disk, "-F", "raw", overlay])
        #expect(made.status == 0, "\(made.stderr)")
        let serial = directory.file("checks.log")
        // cloud-init off: no datasource to find, and it has nothing to do here. The guest has no
        // NIC, so nothing waits for a network to come online. mitigations=off: as
        // CloudImageRig.baseCommandLine says.
        let append = "root=/dev/vda rw console=ttyS0 mitigations=off cloud-init=disabled systemd.mask=systemd-networkd-wait-online.service "
            + #"systemd.run="/bin/sh -c 'mount -o ro /dev/vdb /mnt && exec /bin/sh /mnt/check'" "#
            + "systemd.run_success_action=poweroff-force systemd.run_failure_action=poweroff-force"
        let started = Date()
        let qemu = Process()
        qemu.executableURL = URL(fileURLWithPath: try toolPath("qemu-system-x86_64"))
        qemu.arguments = ["-nodefaults", "-accel", "tcg", "-m", "1024", "-smp", "1", "-display", "none", "-no-reboot", "-nic", "none",
                          "-drive", "file=\(overlay),format=qcow2,if=virtio", "-drive", "file=\(disk),format=raw,if=virtio,readonly=on",
                          "-kernel", image.kernel, "-initrd", image.initrd, "-append", append,
                          "-serial", "file:\(directory.file("console.log"))", "-serial", "file:\(serial)"]
        qemu.standardOutput = FileHandle.nullDevice
        qemu.standardError = FileHandle(forWritingAtPath: "/dev/null")
        qemu.standardInput = FileHandle.nullDevice
        try qemu.runWithSignalsUnblocked()
        let status = try qemu.reap(seconds: Self.guestSeconds)
        let lines = Self.read(serial).split(separator: "\n").map(String.init)
        print("SystemdServiceTests: guest ran \(String(format: "%.0f", Date().timeIntervalSince(started))) s (QEMU status \(status))\n"
              + lines.joined(separator: "\n"))
        let console = Self.read(directory.file("console.log"))
        #expect(lines.last?.hasPrefix("DONE") == true, "the check script did not finish; console:\n\(console.suffix(4000))")
        for check in Self.checks {
            #expect(lines.contains { $0 == "PASS \(check)" || $0.hasPrefix("PASS \(check) ") },
                    "\(check): \(lines.first { $0.hasPrefix("FAIL \(check)") } ?? "no result")")
        }
    }

    /// The second disk: the check script, the installer with what it installs, and the binaries.
    private static func checkDisk(in directory: TemporaryDirectory) throws -> String {
        let tree = directory.file("tree")
        let manager = FileManager.default
        let repository = NetworkBootImages.repository
        try manager.createDirectory(atPath: tree + "/src/scripts", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: tree + "/bin", withIntermediateDirectories: true)
        for part in ["profiles", "cloud-init", "systemd"] {
            try manager.copyItem(atPath: repository.appendingPathComponent(part).path, toPath: tree + "/src/" + part)
        }
        try manager.copyItem(atPath: repository.appendingPathComponent("scripts/install").path, toPath: tree + "/src/scripts/install")
        try manager.copyItem(atPath: repository.appendingPathComponent("Tests/IntegrationTests/Support/systemd_service_check.sh").path,
                             toPath: tree + "/check")
        for binary in [Binaries.provisiond, Binaries.provisionctl] {
            try manager.copyItem(atPath: binary.path, toPath: tree + "/bin/" + binary.lastPathComponent)
        }
        let disk = directory.file("check.img")
        let made = try runTool("mkfs.ext4", ["-q", "-d", tree, disk, "400M"])
        guard made.status == 0 else { throw TestFailure("mkfs.ext4 -d failed: \(made.stderr)") }
        return disk
    }

    private static func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }
}
