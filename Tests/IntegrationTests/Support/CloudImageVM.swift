import Foundation
import Glibc
import TestSupport
import Wire

/// A QEMU guest (TCG) on a tap of a `CloudImageLab`. Three ways to power on, as in the field:
/// - `.seeded`: a Proxmox clone of a cloud image: the image's own kernel and initrd with a
///   command line, and the NoCloud seed in the SMBIOS system serial (virtio NIC, as PVE makes);
/// - `.network`: firmware network boot: SeaBIOS and Debian's iPXE ROM for an e1000 NIC ask
///   provisiond's DHCP, then `/boot.ipxe`, which loads the kernel, initrd and command line of
///   the machine's profile; the disk carries no boot loader;
/// - `.deploy`: bare metal with a blank disk: firmware network boot (SeaBIOS or OVMF, Debian's
///   iPXE ROM) into the deploy environment, which writes an image to the disk and reboots; the
///   machine then boots the disk (after iPXE's `exit 1`) with the boot loader on it.
/// The first two run a `CloudImage` disk through a qcow2 overlay over the cached raw image, so
/// the cache stays pristine. The console is the first serial port (console.log); the image's test-only unit prints
/// cloud-init's verdict on the second (verdict.log, see `CloudInitVerdict`).
///
/// A `.deploy` machine's reset is a new QEMU process: QEMU runs with `-no-reboot`, tells why it
/// stopped on QMP (stdio), and on a guest reset the machine starts again with the same arguments,
/// disk and NVRAM file, as pressing its reset button would. Resetting inside the running QEMU
/// (7.2, TCG) left the machine slow after it: from GRUB's message to the kernel's first line took
/// 7 s in a fresh SeaBIOS QEMU and 28 s after an in-process reset on a quiet host, 76–93 s in the
/// deploy test beside another guest, where an OVMF guest's early boot also stalled for a minute
/// with its vCPU thread busy (measured 2026-11-30).
final class CloudImageVM: @unchecked Sendable {
    enum Boot: Sendable {
        case seeded(CloudImage.Files, append: String, smbiosSerial: String)
        case network(CloudImage.Files)
        /// `disk`: a file the test made (blank, or holding what the test wants found there);
        /// `extra`: more QEMU arguments (other disks, SMBIOS tables).
        case deploy(NetworkBootVM.Firmware, disk: String, bus: DiskBus, extra: [String] = [])
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
    /// `.deploy`: a guest reset starts a new QEMU (see the type's comment).
    private let restartsOnReset: Bool
    private let lock = NSLock()
    private var process: Process?
    /// Powered off for good (QEMU exited, not for a reset) or stopped by the test.
    private var ended = false
    private var resets = 0
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
        // The serial files are appended to: a restarted machine's QEMU opens them again.
        var arguments = ["-name", name, "-nodefaults", "-accel", "tcg", "-m", "1024", "-smp", "1", "-display", "none",
                         "-netdev", "tap,id=n0,ifname=\(tap),script=no,downscript=no",
                         "-chardev", "file,id=console,path=\(directory)/console.log,append=on", "-serial", "chardev:console",
                         "-chardev", "file,id=verdict,path=\(directory)/verdict.log,append=on", "-serial", "chardev:verdict"]
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
        case let .deploy(firmware, disk, bus, extra):
            // The deploy environment reboots into the disk: a new QEMU (see the type's comment).
            arguments += ["-no-reboot", "-qmp", "stdio"]
            let rom = firmware == .bios ? "pxe-e1000.rom" : "efi-e1000.rom"
            arguments += ["-device", "e1000,netdev=n0,mac=\(mac),romfile=/usr/lib/ipxe/qemu/\(rom),bootindex=1"]
            arguments += ["-drive", "file=\(disk),format=raw,if=none,id=d0"]
            arguments += bus == .virtio ? ["-device", "virtio-blk-pci,drive=d0,bootindex=2"]
                : ["-device", "ahci,id=sata", "-device", "ide-hd,drive=d0,bus=sata.0,bootindex=2"]
            arguments += extra
            if firmware == .uefi {
                try NetworkBootVM.copyOVMFVariables(to: directory + "/OVMF_VARS.fd")
                // A machine whose boot order is the NIC's iPXE, then the disk: nothing else in
                // between to try after `exit 1` (OVMF's own HTTP boot would fetch iPXE again).
                arguments += NetworkBootVM.ovmfArguments(variables: directory + "/OVMF_VARS.fd", iPXEOnly: true)
            }
        }
        self.arguments = arguments
        if case .deploy = boot { restartsOnReset = true } else { restartsOnReset = false }
        _ = FileManager.default.createFile(atPath: qemuLogPath, contents: nil)
        try lock.withLock { try launch() }
    }

    deinit { stop() }

    /// Starts QEMU; with the lock held. A `.deploy` machine's QMP goes to `supervise`.
    private func launch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
        // `ip netns exec` execs QEMU in place: the process is QEMU itself.
        process.arguments = ["netns", "exec", namespace, try toolPath("qemu-system-x86_64")] + arguments
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: qemuLogPath))
        log.seekToEndOfFile()
        defer { try? log.close() }
        process.standardError = log
        let qmp: (commands: Pipe, events: Pipe)? = restartsOnReset ? (Pipe(), Pipe()) : nil
        process.standardOutput = qmp?.events ?? log
        process.standardInput = qmp?.commands ?? FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        self.process = process
        if let qmp {
            Thread.detachNewThread { [weak self] in self?.supervise(process, commands: qmp.commands, events: qmp.events) }
        }
    }

    /// Reads QMP's events to EOF (QEMU has exited), then starts the machine again if the guest
    /// reset it, or marks it ended. The SHUTDOWN event's reason is what tells a reset from a
    /// power-off: with -no-reboot QEMU exits 0 for both.
    private func supervise(_ process: Process, commands: Pipe, events: Pipe) {
        commands.fileHandleForWriting.write(Data(#"{"execute": "qmp_capabilities"}"#.utf8 + [0x0A]))
        var pending = Data()
        var reason: String?
        let log = try? FileHandle(forWritingTo: URL(fileURLWithPath: qemuLogPath))
        while case let chunk = events.fileHandleForReading.availableData, !chunk.isEmpty {
            log?.seekToEndOfFile()
            log?.write(chunk)
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[(newline + 1)...])
                if let event = try? JSONParser.parse(String(decoding: line, as: UTF8.self)),
                   event["event"]?.stringValue == "SHUTDOWN" {
                    reason = event["data"]?["reason"]?.stringValue
                }
            }
        }
        try? log?.close()
        _ = try? process.reap(seconds: 30)
        try? commands.fileHandleForWriting.close()
        lock.withLock {
            guard !ended, self.process === process else { return }
            if reason == "guest-reset", (try? launch()) != nil {
                resets += 1
            } else {
                ended = true
            }
        }
    }

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

    /// A `.deploy` machine runs until it powers off (a reset starts it again).
    var isRunning: Bool { lock.withLock { restartsOnReset ? !ended : process?.isRunning ?? false } }

    /// How many times the guest reset the machine (a new QEMU each).
    var resetCount: Int { lock.withLock { resets } }

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
            defer { self.process = nil; ended = true }
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
