import Foundation
import Glibc

/// What the network boot test serves and boots: the kernel and initramfs made by
/// `scripts/build-netboot-initramfs` (Debian's netboot kernel, a static busybox and an `/init`
/// that fetches cloud-init and phones home), and two tiny local disks that show the firmware
/// really booted the disk after iPXE's `exit`: each prints `NETBOOT: local disk booted` on COM1
/// and leaves QEMU through its isa-debug-exit port.
enum NetworkBootImages {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let localDiskMarker = "NETBOOT: local disk booted"

    private static let buildLock = NSLock()

    /// Runs the build script (cached under `.build-netboot/`) and links `linux` and
    /// `initramfs.gz` into `directory`.
    static func buildKernelAndInitramfs(into directory: String) throws {
        try runBuildScript("build-netboot-initramfs", into: directory, leaving: ["linux", "initramfs.gz"])
    }

    /// Runs `scripts/build-deploy-env` (cached under /var/tmp) and links `vmlinuz`, `initrd.img`
    /// and `VERSION` into `directory`.
    static func buildDeployEnvironment(into directory: String) throws {
        try runBuildScript("build-deploy-env", into: directory, leaving: ["vmlinuz", "initrd.img", "VERSION"])
    }

    /// `scripts/NAME OUTDIR`, one build at a time; it must leave `files` in `directory`.
    private static func runBuildScript(_ name: String, into directory: String, leaving files: [String]) throws {
        let script = repository.appendingPathComponent("scripts/\(name)")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw TestFailure("step \(name): \(script.path) is missing or not executable")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" + (environment["PATH"] ?? "")
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        let result = try buildLock.withLock {
            try runProgram(URL(fileURLWithPath: "/bin/bash"), [script.path, directory], environment: environment)
        }
        guard result.status == 0 else {
            throw TestFailure("step \(name): scripts/\(name) exited \(result.status): \(result.stderr)\(result.stdout)")
        }
        for file in files where !FileManager.default.fileExists(atPath: directory + "/" + file) {
            throw TestFailure("step \(name): the script left no \(file) in \(directory): \(result.stderr)")
        }
    }

    /// A 1 MiB raw disk whose MBR boot code prints the marker on COM1 (port 0x3f8) and writes
    /// 0x10 to port 0xf4 (QEMU exits with status 33).
    static func writeBIOSDisk(to path: String) throws {
        let message = Array("\r\n\(localDiskMarker) (BIOS)\r\n".utf8) + [0]
        var code: [UInt8] = [
            0x31, 0xC0,              // xor ax, ax
            0x8E, 0xD8,              // mov ds, ax
            0xFC,                    // cld
            0xBE, 0x1B, 0x7C,        // mov si, 0x7c1b (the message, right after this code)
            0xBA, 0xF8, 0x03,        // mov dx, 0x3f8
            0xAC,                    // next: lodsb
            0x84, 0xC0,              // test al, al
            0x74, 0x03,              // jz done
            0xEE,                    // out dx, al
            0xEB, 0xF8,              // jmp next
            0xB0, 0x10,              // done: mov al, 0x10
            0xE6, 0xF4,              // out 0xf4, al
            0xFA, 0xF4, 0xEB, 0xFD,  // cli; hlt; jmp hlt
        ]
        precondition(code.count == 0x1B)
        code += message
        var sector = code + [UInt8](repeating: 0, count: 510 - code.count)
        sector += [0x55, 0xAA]
        let image = Data(sector + [UInt8](repeating: 0, count: 1024 * 1024 - 512))
        try image.write(to: URL(fileURLWithPath: path))
    }

    /// A folder with `EFI/BOOT/BOOTX64.EFI` (QEMU shows it to the machine as a FAT disk): a
    /// minimal PE32+ EFI application that prints the marker on COM1 and writes 0x10 to port
    /// 0xf4, or returns EFI_SUCCESS where there is no such port.
    static func writeEFIDisk(to directory: String) throws {
        let boot = directory + "/EFI/BOOT"
        try FileManager.default.createDirectory(atPath: boot, withIntermediateDirectories: true)
        try Data(efiApplication()).write(to: URL(fileURLWithPath: boot + "/BOOTX64.EFI"))
    }

    static func efiApplication() -> [UInt8] {
        let message = Array("\r\n\(localDiskMarker) (UEFI)\r\n".utf8) + [0]
        let codeLength = 26
        var text: [UInt8] = [0x48, 0x8D, 0x35] + le32(UInt32(codeLength - 7)) + [  // lea rsi, [rip + message]
            0x66, 0xBA, 0xF8, 0x03,  // mov dx, 0x3f8
            0xAC,                    // next: lodsb
            0x84, 0xC0,              // test al, al
            0x74, 0x03,              // jz done
            0xEE,                    // out dx, al
            0xEB, 0xF8,              // jmp next
            0xB0, 0x10,              // done: mov al, 0x10
            0xE6, 0xF4,              // out 0xf4, al
            0x31, 0xC0,              // xor eax, eax (EFI_SUCCESS)
            0xC3,                    // ret
        ]
        precondition(text.count == codeLength)
        text += message
        while text.count % 4 != 0 { text.append(0) }
        // A base relocation block with one padding entry: the image needs no fixups, but the
        // loader may place it anywhere.
        let relocRVA = UInt32(0x1000 + text.count)
        let reloc = le32(0x1000) + le32(12) + [0, 0, 0, 0]
        text += reloc

        var dos = [UInt8](repeating: 0, count: 64)
        dos[0] = 0x4D; dos[1] = 0x5A  // "MZ"
        dos.replaceSubrange(0x3C..<0x40, with: le32(0x40))
        // COFF: x86-64, one section, a PE32+ optional header, executable and large-address-aware.
        let coff = le16(0x8664) + le16(1) + le32(0) + le32(0) + le32(0) + le16(0xF0) + le16(0x0022)
        var optional = le16(0x20B) + [0, 0] + le32(0x200) + le32(0) + le32(0) + le32(0x1000) + le32(0x1000)
        optional += le64(0x1_4000_0000)                   // ImageBase
        optional += le32(0x1000) + le32(0x200)            // section and file alignment
        optional += [UInt8](repeating: 0, count: 12)      // OS, image and subsystem versions
        optional += le32(0)                               // Win32VersionValue
        optional += le32(0x2000) + le32(0x200)            // SizeOfImage, SizeOfHeaders
        optional += le32(0)                               // CheckSum
        optional += le16(10) + le16(0)                    // EFI application, no DLL characteristics
        optional += le64(0x10000) + le64(0x10000) + le64(0) + le64(0)
        optional += le32(0) + le32(16)                    // LoaderFlags, NumberOfRvaAndSizes
        var directories = [UInt8](repeating: 0, count: 16 * 8)
        directories.replaceSubrange(5 * 8..<5 * 8 + 8, with: le32(relocRVA) + le32(UInt32(reloc.count)))
        optional += directories
        precondition(optional.count == 0xF0)
        var section = Array(".text".utf8) + [0, 0, 0]
        section += le32(UInt32(text.count)) + le32(0x1000) + le32(0x200) + le32(0x200) + le32(0) + le32(0) + le16(0) + le16(0)
        section += le32(0x6000_0020)                      // code, execute, read
        var headers = dos + Array("PE".utf8) + [0, 0] + coff + optional + section
        headers += [UInt8](repeating: 0, count: 0x200 - headers.count)
        return headers + text + [UInt8](repeating: 0, count: 0x200 - text.count)
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
    private static func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * $0)) & 0xFF) } }
}
