import Foundation
import Glibc
import TestSupport

/// A QEMU guest (TCG) on a tap of a `CloudImageLab`. Three ways to power on, as in the field:
/// - `.seeded`: a Proxmox clone of a cloud image: the image's own kernel and initrd with a
///   command line, and the NoCloud seed in the SMBIOS system serial (virtio NIC, as PVE makes);
/// - `.network`: firmware network boot: SeaBIOS and Debian's iPXE ROM for an e1000 NIC ask
///   provisiond's DHCP, then `/boot.ipxe`, which loads the kernel, initrd and command line of
///   the machine's profile; the disk carries no boot loader;
/// - `.deploy`: bare metal with a blank disk: firmware network boot (SeaBIOS or OVMF, Debian's
///   iPXE ROM) into the deploy environment, which writes an image to the disk and reboots; the
///   same QEMU then boots the disk (after iPXE's `exit 1`) with the boot loader on it.
/// The first two run a `CloudImage` disk through a qcow2 overlay over the cached raw image, so
/// the cache stays pristine. The console is the first serial port (console.log); the image's test-only unit prints
/// cloud-init's verdict on the second (verdict.log, see `CloudInitVerdict`).
final class CloudImageVM: @unchecked Sendable {
    enum Boot: Sendable {
        case seeded(CloudImage.Files, append: String, smbiosSerial: String)
        case network(CloudImage.Files)
        /// `disk`: a file the test made (blank, or holding what the test wants found there).
        case deploy(NetworkBootVM.Firmware, disk: String, bus: DiskBus)
    }

    enum DiskBus: String, Sendable {
        case virtio
        case sata
    }

    let name: String
    let mac: String
    let directory: String
    private let arguments: [String]
    private let namespace: String
    private let lock = NSLock()
    private var process: Process?
    let started = Date()

    var consolePath: String { directory + "/console.log" }
    var verdictPath: String { directory + "/verdict.log" }
    var qemuLogPath: String { directory + "/qemu.log" }  // the three files the initialiser opens

    /// Makes the overlay (or takes the deploy's disk) and powers the guest on.
    init(name: String, boot: Boot, mac: String, lab: CloudImageLab, directory: String) throws {
        self.name = name
        self.mac = mac
        self.directory = directory
        namespace = lab.namespace
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tap = try lab.addTap()
        // -nodefaults: no floppy (cloud-init probes every block device; an empty floppy drive
        // costs seconds of I/O errors under TCG), no CD-ROM, no VGA.
        var arguments = ["-name", name, "-nodefaults", "-accel", "tcg", "-m", "1024", "-smp", "1", "-display", "none",
                         "-netdev", "tap,id=n0,ifname=\(tap),script=no,downscript=no",
                         "-serial", "file:\(directory)/console.log", "-serial", "file:\(directory)/verdict.log"]
        switch boot {
        case let .seeded(image, append, serial):
            // QEMU's -smbios value is comma-separated: a comma inside the serial is written twice.
            arguments += ["-no-reboot", "-drive", "file=\(try Self.overlay(image, directory)),format=qcow2,if=virtio",
                          "-device", "virtio-net-pci,netdev=n0,mac=\(mac)",
                          "-kernel", image.kernel, "-initrd", image.initrd, "-append", append,
                          "-smbios", "type=1,serial=" + serial.replacingOccurrences(of: ",", with: ",,")]
        case let .network(image):
            arguments += ["-no-reboot", "-drive", "file=\(try Self.overlay(image, directory)),format=qcow2,if=none,id=d0",
                          "-device", "virtio-blk-pci,drive=d0",
                          "-device", "e1000,netdev=n0,mac=\(mac),romfile=/usr/lib/ipxe/qemu/pxe-e1000.rom,bootindex=1"]
        case let .deploy(firmware, disk, bus):
            // Rebooting stays in this QEMU (no -no-reboot): the deploy environment reboots into the disk.
            let rom = firmware == .bios ? "pxe-e1000.rom" : "efi-e1000.rom"
            arguments += ["-device", "e1000,netdev=n0,mac=\(mac),romfile=/usr/lib/ipxe/qemu/\(rom),bootindex=1"]
            arguments += ["-drive", "file=\(disk),format=raw,if=none,id=d0"]
            arguments += bus == .virtio ? ["-device", "virtio-blk-pci,drive=d0,bootindex=2"]
                : ["-device", "ahci,id=sata", "-device", "ide-hd,drive=d0,bus=sata.0,bootindex=2"]
            if firmware == .uefi {
                try NetworkBootVM.copyOVMFVariables(to: directory + "/OVMF_VARS.fd")
                // A machine whose boot order is the NIC's iPXE, then the disk: nothing else in
                // between to try after `exit 1` (OVMF's own HTTP boot would fetch iPXE again).
                arguments += NetworkBootVM.ovmfArguments(variables: directory + "/OVMF_VARS.fd", iPXEOnly: true)
            }
        }
        self.arguments = arguments
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        // `ip netns exec` execs QEMU in place: the process is QEMU itself.
        process.arguments = ["netns", "exec", namespace, try toolPath("qemu-system-x86_64")] + arguments
        _ = FileManager.default.createFile(atPath: directory + "/qemu.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/qemu.log"))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        try? log.close()
        lock.withLock { self.process = process }
    }

    deinit { stop() }

    /// A qcow2 overlay over the cached image, in the guest's directory.
    private static func overlay(_ image: CloudImage.Files, _ directory: String) throws -> String {
        let overlay = directory + "/disk.qcow2"
        let made = try runTool("qemu-img", ["create", "-q", "-f", "qcow2", "-b", image.disk, "-F", "raw", overlay])
        guard made.status == 0 else { throw TestFailure("qemu-img create \(overlay) failed: \(made.stderr)") }
        return overlay
    }

    var commandLine: String { "qemu-system-x86_64 " + arguments.joined(separator: " ") }

    /// The console so far, without carriage returns.
    var console: String { Self.read(consolePath) }
    var verdictText: String { Self.read(verdictPath) }
    var qemuLog: String { Self.read(qemuLogPath) }

    var isRunning: Bool { lock.withLock { process?.isRunning ?? false } }

    /// Polls the second serial port until the image's unit has printed the whole verdict, QEMU
    /// exits, or `seconds` pass.
    func waitForVerdict(seconds: Double) -> CloudInitVerdict? {
        var verdict: CloudInitVerdict?
        _ = eventually(seconds: seconds, every: 0.5) {
            // Read before asking whether QEMU still runs: the port may have been written just before it exited.
            let running = isRunning
            verdict = CloudInitVerdict(verdictText)
            return verdict != nil || !running
        }
        return verdict
    }

    /// Kills QEMU (the overlay is thrown away with the test's directory) and reaps it.
    func stop() {
        guard let process = lock.withLock({ () -> Process? in
            defer { self.process = nil }
            return self.process
        }) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = try? process.reap(seconds: 10)
    }

    private static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
    }
}
