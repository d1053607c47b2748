import Foundation
import TestSupport
import Testing

/// `scripts/install` staged into a DESTDIR tree, as a packager would, and the unit it installs
/// judged by systemd's own tools: `systemd-analyze verify` against the staged tree must be silent,
/// and `systemd-analyze security` must rate the unit's exposure at 2.5 or less. The release
/// binaries need nothing but the C library and libsqlite3. (SystemdServiceTests runs the same
/// installer under a real systemd.)
@Suite("scripts/install and the systemd unit")
struct ServiceInstallTests {
    static let installer = NetworkBootImages.repository.appendingPathComponent("scripts/install")

    /// Runs the installer with `DESTDIR=dest`, installing the release binaries under test.
    private func install(_ dest: String, _ arguments: [String] = []) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["DESTDIR"] = dest
        let result = try runProgram(URL(fileURLWithPath: "/bin/bash"), [Self.installer.path, "--bin-dir", Binaries.directory.path] + arguments,
                                    environment: environment)
        #expect(result.status == 0, "scripts/install \(arguments): \(result.stderr)")
        return result
    }

    private func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("a DESTDIR install lays out binaries, read-only shipped files, the unit, sysusers and tmpfiles; it is idempotent and never overwrites the config")
    func layout() throws {
        let dest = try TemporaryDirectory()
        defer { dest.remove() }
        _ = try install(dest.path)
        let manager = FileManager.default
        for binary in ["provisiond", "provisionctl"] {
            #expect(manager.isExecutableFile(atPath: dest.file("usr/local/bin/\(binary)")))
        }
        let shipped = try manager.contentsOfDirectory(atPath: dest.file("usr/local/share/provisiond/profiles")).sorted()
        let repository = try manager.contentsOfDirectory(atPath: NetworkBootImages.repository.appendingPathComponent("profiles").path)
        #expect(shipped == repository.filter { $0.hasSuffix(".json") }.sorted())
        #expect(shipped.contains("debian-12.json"))
        #expect(try mode(dest.file("usr/local/share/provisiond/profiles/debian-12.json")) == 0o644)
        #expect(manager.fileExists(atPath: dest.file("usr/local/share/provisiond/cloud-init/cloud-config.yaml")))
        for directory in ["etc/provisiond/profiles", "etc/provisiond/cloud-init"] {
            #expect(try manager.contentsOfDirectory(atPath: dest.file(directory)).isEmpty)
        }
        let unit = try String(contentsOfFile: dest.file("usr/local/lib/systemd/system/provisiond.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/usr/local/bin/provisiond --config /etc/provisiond/provisiond.json\n"))
        #expect(try String(contentsOfFile: dest.file("usr/local/lib/sysusers.d/provisiond.conf"), encoding: .utf8)
            .contains("u provisiond - \"provisiond provisioning server\" /var/lib/provisiond"))
        #expect(manager.fileExists(atPath: dest.file("usr/local/lib/tmpfiles.d/provisiond.conf")))
        let config = try String(contentsOfFile: dest.file("etc/provisiond/provisiond.json"), encoding: .utf8)
        #expect(config.contains(#""profilesDir": ["/etc/provisiond/profiles", "/usr/local/share/provisiond/profiles"]"#))

        // Again, after the operator edited the config and a shipped file was damaged: the config
        // stays, the shipped files are made whole.
        try #"{"dataDir": "/srv/mine"}"#.write(toFile: dest.file("etc/provisiond/provisiond.json"), atomically: true, encoding: .utf8)
        try manager.removeItem(atPath: dest.file("usr/local/share/provisiond/profiles/local-disk.json"))
        let again = try install(dest.path)
        #expect(again.stderr.contains("kept \(dest.path)/etc/provisiond/provisiond.json"))
        #expect(try String(contentsOfFile: dest.file("etc/provisiond/provisiond.json"), encoding: .utf8) == #"{"dataDir": "/srv/mine"}"#)
        #expect(manager.fileExists(atPath: dest.file("usr/local/share/provisiond/profiles/local-disk.json")))

        // --uninstall takes away what the install put there and leaves the operator's files.
        _ = try install(dest.path, ["--uninstall"])
        for gone in ["usr/local/bin/provisiond", "usr/local/bin/provisionctl", "usr/local/share/provisiond",
                     "usr/local/lib/systemd/system/provisiond.service", "usr/local/lib/sysusers.d/provisiond.conf"] {
            #expect(!manager.fileExists(atPath: dest.file(gone)), "\(gone) left after --uninstall")
        }
        #expect(manager.fileExists(atPath: dest.file("etc/provisiond/provisiond.json")))
        _ = try install(dest.path, ["--uninstall"])  // nothing left to remove: still fine
    }

    @Test("--prefix moves the binaries, the shipped files and the unit, and the unit and config name them there")
    func prefix() throws {
        let dest = try TemporaryDirectory()
        defer { dest.remove() }
        _ = try install(dest.path, ["--prefix", "/opt/provisiond"])
        #expect(FileManager.default.isExecutableFile(atPath: dest.file("opt/provisiond/bin/provisiond")))
        let unit = try String(contentsOfFile: dest.file("opt/provisiond/lib/systemd/system/provisiond.service"), encoding: .utf8)
        #expect(unit.contains("ExecStart=/opt/provisiond/bin/provisiond "))
        #expect(try String(contentsOfFile: dest.file("etc/provisiond/provisiond.json"), encoding: .utf8)
            .contains(#""/opt/provisiond/share/provisiond/cloud-init"]"#))
    }

    /// The staged tree as a root for systemd-analyze, which looks for everything there: the
    /// host's own units (the targets the unit names) and `/bin/kill` (ExecReload=) copied in.
    private func stagedRoot() throws -> TemporaryDirectory {
        let dest = try TemporaryDirectory()
        _ = try install(dest.path)
        for directory in ["usr/lib/systemd", "bin"] {
            try FileManager.default.createDirectory(atPath: dest.file(directory), withIntermediateDirectories: true)
        }
        for (from, to) in [("/lib/systemd/system", "usr/lib/systemd/"), ("/bin/kill", "bin/")] {
            let copied = try runTool("cp", ["-a", from, dest.file(to)])
            #expect(copied.status == 0, "\(copied.stderr)")
        }
        return dest
    }

    @Test("systemd-analyze verify is silent on the installed unit, and names a missing binary")
    func verify() throws {
        let root = try stagedRoot()
        defer { root.remove() }
        let clean = try runTool("systemd-analyze", ["verify", "--root=\(root.path)", "provisiond.service"])
        #expect(clean.status == 0 && clean.stdout.isEmpty && clean.stderr.isEmpty, "verify: \(clean.stdout) \(clean.stderr)")
        // The check has teeth: without the binary, verify fails and says why.
        try FileManager.default.removeItem(atPath: root.file("usr/local/bin/provisiond"))
        let broken = try runTool("systemd-analyze", ["verify", "--root=\(root.path)", "provisiond.service"])
        #expect(broken.status != 0 && broken.stderr.contains("/usr/local/bin/provisiond is not executable"), "\(broken.stderr)")
    }

    @Test("systemd-analyze security rates the unit's exposure at 2.5 or less")
    func exposure() throws {
        let root = try stagedRoot()
        defer { root.remove() }
        let result = try runTool("systemd-analyze", ["security", "--offline=true", "--root=\(root.path)", "--no-pager", "provisiond.service"])
        // The last line: "→ Overall exposure level for provisiond.service: 1.6 OK 🙂"
        let overall = result.stdout.split(separator: "\n").last { $0.contains("Overall exposure level") } ?? ""
        let score = overall.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        print("ServiceInstallTests: \(overall)")
        #expect(score != nil && score! <= 2.5, "systemd-analyze security: \(overall)\n\(result.stdout)\(result.stderr)")
    }

    @Test("the release provisiond needs only the C library and libsqlite3 (Swift runtime linked in)")
    func libraries() throws {
        let result = try runTool("ldd", [Binaries.provisiond.path])
        let libraries = result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map { String($0.trimmingCharacters(in: .whitespaces)) } }
        let allowed: Set<String> = ["linux-vdso.so.1", "libsqlite3.so.0", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libc.so.6",
                                    "/lib64/ld-linux-x86-64.so.2"]
        let unexpected = libraries.filter { !allowed.contains($0) }
        #expect(result.status == 0 && unexpected.isEmpty, "provisiond links \(unexpected): build it with --static-swift-stdlib (scripts/test, scripts/install)")
    }

    @Test("named profile directories must exist: a missing one stops provisiond with its path")
    func missingProfilesDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try runProgram(Binaries.provisiond, ["--data-dir", directory.file("data"), "--profiles-dir", directory.file("etc") + ":" + directory.file("share"),
                                                          "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--tftp-listen", "off",
                                                          "--dhcp-mode", "off"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("profiles directory \(directory.file("share")) does not exist"), "\(result.stderr)")
    }
}
