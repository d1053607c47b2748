import Foundation
import Glibc

/// A QEMU machine (TCG, no KVM needed) whose e1000 NIC is the tap of a `NetworkBootLab`, started
/// inside the lab's namespace. Its NIC ROM is Debian's iPXE build (`ipxe-qemu`), so the firmware
/// network boot is real iPXE: BIOS (SeaBIOS + `pxe-e1000.rom`) or UEFI (OVMF + `efi-e1000.rom`,
/// with its own NVRAM file kept across boots, as a real machine keeps its variables). The
/// network comes first in the boot order and a local disk second. Each `boot()` is one power-on
/// with its own serial log; the machine powers itself off (`-no-reboot`), or leaves through the
/// `isa-debug-exit` port (status 33) when its local disk boots.
final class NetworkBootVM: @unchecked Sendable {
    enum Firmware: String, Sendable {
        case bios = "BIOS"
        case uefi = "UEFI"
    }

    /// QEMU's exit status when the local disk wrote 0x10 to the isa-debug-exit port: (0x10 << 1) | 1.
    static let localDiskExitStatus: Int32 = 33

    let mac: String
    let firmware: Firmware
    let directory: String
    /// nil: a machine with no NIC at all, started outside any namespace (the local disks alone).
    let lab: NetworkBootLab?
    private let lock = NSLock()
    private var current: Process?
    /// The exit status of `current` once this class reaped it itself.
    private var exited: Int32?
    private(set) var boots = 0
    /// More QEMU arguments, e.g. the blank disks a deploy environment inspects.
    var extraArguments: [String] = []
    /// Whether the NIC comes before the local disk in the boot order (a BMC's one-time boot
    /// override changes it from one power-on to the next).
    var networkFirst = true
    /// The isa-debug-exit port that ends QEMU when the local disk boots; without it the disk's
    /// code halts and the machine stays on, as an installed system does.
    var exitsOnLocalDisk = true

    static let ovmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    static let ovmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"

    init(mac: String, firmware: Firmware, directory: String, lab: NetworkBootLab?) throws {
        self.mac = mac
        self.firmware = firmware
        self.directory = directory
        self.lab = lab
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for path in [romPath, "/usr/lib/ipxe/qemu"] where !FileManager.default.fileExists(atPath: path) {
            throw TestFailure("\(firmware.rawValue) network boot needs \(path) (package ipxe-qemu): run scripts/test, which installs it")
        }
        switch firmware {
        case .bios:
            try NetworkBootImages.writeBIOSDisk(to: diskPath)
            // SeaBIOS copies what iPXE prints (int 10h) to this port: iPXE's messages reach the serial log.
            try Data([0xF8, 0x03]).write(to: URL(fileURLWithPath: serconPath))
        case .uefi:
            try Self.copyOVMFVariables(to: varsPath)
            try NetworkBootImages.writeEFIDisk(to: diskPath)
        }
        lab?.adopt(self)
    }

    var romPath: String { firmware == .bios ? "/usr/lib/ipxe/qemu/pxe-e1000.rom" : "/usr/lib/ipxe/qemu/efi-e1000.rom" }
    private var varsPath: String { directory + "/OVMF_VARS.fd" }
    private var serconPath: String { directory + "/sercon-port" }
    /// BIOS: a raw disk image whose MBR prints a marker; UEFI: a folder QEMU presents as a FAT
    /// disk holding `\EFI\BOOT\BOOTX64.EFI`, which does the same.
    private var diskPath: String { directory + (firmware == .bios ? "/disk.img" : "/esp") }
    func serialPath(_ boot: Int) -> String { directory + "/serial-\(boot).log" }
    func qemuLogPath(_ boot: Int) -> String { directory + "/qemu-\(boot).log" }

    var arguments: [String] {
        var arguments = [
            "-name", "netboot-\(firmware.rawValue.lowercased())", "-accel", "tcg", "-m", "512", "-no-reboot", "-display", "none",
        ]
        if exitsOnLocalDisk { arguments += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] }
        let (nicIndex, diskIndex) = networkFirst ? (1, 2) : (2, 1)
        if let lab {
            arguments += ["-netdev", "tap,id=n0,ifname=\(lab.tap),script=no,downscript=no",
                          "-device", "e1000,netdev=n0,mac=\(mac),romfile=\(romPath),bootindex=\(nicIndex)"]
        } else {
            arguments += ["-nic", "none"]
        }
        switch firmware {
        case .bios:
            arguments += ["-drive", "file=\(diskPath),format=raw,if=none,id=d0", "-device", "ide-hd,drive=d0,bootindex=\(diskIndex)",
                          "-fw_cfg", "name=etc/sercon-port,file=\(serconPath)"]
        case .uefi:
            arguments += Self.ovmfArguments(variables: varsPath)
                + ["-drive", "file=fat:\(diskPath),format=raw,if=none,id=d0,readonly=on", "-device", "virtio-blk-pci,drive=d0,bootindex=\(diskIndex)"]
        }
        return arguments + extraArguments
    }

    /// A machine's own copy of OVMF's variable store (its NVRAM, kept across its boots).
    static func copyOVMFVariables(to path: String) throws {
        for file in [ovmfCode, ovmfVars] where !FileManager.default.fileExists(atPath: file) {
            throw TestFailure("UEFI needs \(file) (package ovmf): run scripts/test, which installs it")
        }
        try FileManager.default.copyItem(atPath: ovmfVars, toPath: path)
    }

    /// QEMU arguments for OVMF with the variable store at `variables`. `iPXEOnly`: the NIC's
    /// only boot option is its ROM's iPXE, so after iPXE's `exit 1` OVMF boots the disk at once.
    static func ovmfArguments(variables: String, iPXEOnly: Bool = false) -> [String] {
        // OVMF makes a boot option for each of the NIC's network stacks and `bootindex`
        // puts all of them before the disk: after iPXE's `exit 1` it tries PXEv4, PXEv6,
        // HTTPv4 and HTTPv6 in turn. PXE over IPv6 waits ~70 s for DHCPv6 offers the test
        // network never makes; these fw_cfg switches (OvmfPkg, edk2 ≥ 2021) leave stacks out:
        // IPv4PXESupport its own PXE client, IPv4Support and IPv6Support HTTP boot (with
        // them all off, iPXE's boot option, which OVMF names "UEFI PXEv4", is the NIC's one).
        let off = ["IPv6PXESupport"] + (iPXEOnly ? ["IPv4PXESupport", "IPv4Support", "IPv6Support"] : [])
        return ["-drive", "if=pflash,format=raw,readonly=on,file=\(ovmfCode)", "-drive", "if=pflash,format=raw,file=\(variables)"]
            + off.flatMap { ["-fw_cfg", "name=opt/org.tianocore/\($0),string=n"] }
    }

    /// Powers the machine on; the boot's number names its serial log.
    @discardableResult
    func boot() throws -> Int {
        let number = lock.withLock { () -> Int in
            boots += 1
            return boots
        }
        let process = Process()
        let qemu = try toolPath("qemu-system-x86_64")
        let qemuArguments = arguments + ["-serial", "file:\(serialPath(number))"]
        if let lab {
            // `ip netns exec` execs QEMU in place: the process is QEMU itself.
            process.executableURL = URL(fileURLWithPath: try toolPath("ip"))
            process.arguments = ["netns", "exec", lab.namespace, qemu] + qemuArguments
        } else {
            process.executableURL = URL(fileURLWithPath: qemu)
            process.arguments = qemuArguments
        }
        _ = FileManager.default.createFile(atPath: qemuLogPath(number), contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: qemuLogPath(number)))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        try? log.close()
        lock.withLock {
            current = process
            exited = nil
        }
        return number
    }

    /// The serial console of a boot so far, without carriage returns and terminal escapes.
    func serial(_ boot: Int) -> String {
        guard let data = FileManager.default.contents(atPath: serialPath(boot)) else { return "" }
        var text = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        // CSI sequences (OVMF draws its menus with them).
        text = text.replacingOccurrences(of: "\u{1B}\\[[0-9;?=]*[A-Za-z]", with: "", options: .regularExpression)
        return text
    }

    func qemuLog(_ boot: Int) -> String {
        (try? String(contentsOfFile: qemuLogPath(boot), encoding: .utf8)) ?? ""
    }

    /// The exit status once QEMU has exited, nil while it runs.
    var exitStatus: Int32? {
        guard let process = lock.withLock({ current }) else { return nil }
        if !process.isRunning { return process.terminationStatus }
        var status: Int32 = 0
        if waitpid(process.processIdentifier, &status, WNOHANG) == process.processIdentifier {
            let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            lock.withLock { exited = code }
            return code
        }
        return lock.withLock { exited }
    }

    var isRunning: Bool { exitStatus == nil && lock.withLock { current != nil } }

    /// Polls until `done` says so (returning its value) or QEMU exits or `seconds` pass; nil on
    /// timeout. `done` sees the serial log of the current boot.
    func wait<T>(_ boot: Int, seconds: Double, until done: (String) -> T?) -> (value: T?, exited: Int32?) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = done(serial(boot)) { return (value, exitStatus) }
            if let status = exitStatus {
                // One last look: the serial file may have grown just before the exit.
                return (done(serial(boot)), status)
            }
            usleep(250_000)
        }
        return (nil, exitStatus)
    }

    /// Kills the current QEMU if it still runs and reaps it.
    func stop() {
        guard let process = lock.withLock({ current }) else { return }
        if exitStatus == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = try? process.reap(seconds: 10)
        }
        lock.withLock {
            current = nil
            exited = nil
        }
    }

    deinit { stop() }
}
