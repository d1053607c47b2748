import Foundation
import TestSupport
import Testing
@testable import Server

/// File errors that matter are reported, not read as "nothing there" (a profiles path that is not
/// a directory, an iPXE binary that cannot be opened).
@Suite("Read errors are named, not hidden")
struct ReadErrorsTests {
    @Test("a missing profiles directory is an empty catalog unless required; one that cannot be listed is a startup error")
    func profilesDirectory() throws {
        let directory = try TemporaryDirectory()
        let missing = try ProfileCatalog.load(directories: [directory.file("none")], cloudInitDirectories: [directory.path])
        #expect(missing.profiles.isEmpty)
        #expect {
            _ = try ProfileCatalog.load(directories: [directory.file("none")], cloudInitDirectories: [directory.path], requireDirectories: true)
        } throws: { error in
            "\(error)" == "profiles directory \(directory.file("none")) does not exist"
        }
        let notADirectory = try directory.write("profiles", "not a directory")
        #expect {
            _ = try ProfileCatalog.load(directories: [notADirectory], cloudInitDirectories: [directory.path])
        } throws: { error in
            "\(error)".contains("cannot read profiles directory \(notADirectory)")
        }
    }

    @Test("a template that cannot be read names its path and why")
    func unreadableTemplate() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("profiles"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("cloud-init/user.yaml"), withIntermediateDirectories: true)
        _ = try directory.write("profiles/p.json", #"{"userData": "user.yaml"}"#)
        #expect {
            _ = try ProfileCatalog.load(directories: [directory.file("profiles")], cloudInitDirectories: [directory.file("cloud-init")])
        } throws: { error in
            "\(error)".contains("cannot read template \(directory.file("cloud-init/user.yaml"))")
        }
    }

    @Test("an iPXE binary missing from the iPXE directory comes from the TFTP root; an unreadable one is refused")
    func ipxeFallback() throws {
        let root = try TemporaryDirectory()
        let ipxe = try TemporaryDirectory()
        _ = try root.write("undionly.kpxe", "from the root")
        _ = try root.write("ipxe.efi", "from the root")
        try FileManager.default.createDirectory(atPath: ipxe.file("ipxe.efi"), withIntermediateDirectories: true)
        let files = TFTPFiles(root: ServedDirectory(root: root.path), ipxe: ServedDirectory(root: ipxe.path, trustsSymlinks: true))
        let fallback = try files.open("undionly.kpxe")
        defer { close(fallback.descriptor) }
        #expect(fallback.size == 13)
        #expect(throws: ServedDirectory.OpenError.notReadable("ipxe.efi")) { try files.open("ipxe.efi") }
    }
}
