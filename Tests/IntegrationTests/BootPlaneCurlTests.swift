import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// The HTTP boot plane as curl (standing in for iPXE) sees it: scripts by lifecycle state, and
/// assets with ranges, validators and flat memory.
@Suite(.timeLimit(.minutes(5))) struct BootPlaneCurlTests {
    private func profilesDirectory(_ dir: TemporaryDirectory) throws -> String {
        let profiles = dir.path + "/profiles"
        try FileManager.default.createDirectory(atPath: profiles, withIntermediateDirectories: true)
        try #"{"kernel": "debian/linux", "initrd": ["debian/initrd.gz"], "cmdline": "console=ttyS0 priority=critical"}"#
            .write(toFile: profiles + "/debian-test.json", atomically: true, encoding: .utf8)
        return profiles
    }

    private func script(_ server: ServerProcess, _ path: String) throws -> String {
        let result = try runTool("curl", ["-s", "-f", server.httpURL + path])
        #expect(result.status == 0, "GET \(path): \(result.stderr)")
        return result.stdout
    }

    @Test func scriptsFollowTheLifecycle() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--profiles-dir", try profilesDirectory(dir)])
        #expect(try server.ctl(["register", "52:54:00:00:10:01", "--hostname", "web1", "--profile", "debian-test"]).status == 0)

        // Registered: the install script, and the machine is now booting.
        let install = try script(server, "/boot.ipxe?mac=52-54-00-00-10-01")
        #expect(install.hasPrefix("#!ipxe\n"))
        #expect(install.contains("kernel \(server.httpURL)/assets/debian/linux initrd=initrd.gz console=ttyS0 priority=critical || goto failed"))
        #expect(install.contains("initrd \(server.httpURL)/assets/debian/initrd.gz || goto failed"))
        #expect(try JSONParser.parse(try server.ctl(["show", "52:54:00:00:10:01", "--json"]).stdout)["state"] == .string("booting"))
        // Booting again before the installer starts: the same install, no second transition.
        #expect(try script(server, "/boot/525400001001.ipxe") == install)
        let events = try JSONParser.parse(try server.ctl(["events", "52:54:00:00:10:01", "--json"]).stdout).arrayValue ?? []
        #expect(events.map { $0["event"]?.stringValue ?? "" } == ["register", "boot-install"])

        // Retired (and so every state past an install): the local disk.
        #expect(try server.ctl(["retire", "52:54:00:00:10:01"]).status == 0)
        let local = try script(server, "/boot.ipxe?mac=5254.0000.1001")
        #expect(local == "#!ipxe\necho provisiond: 52:54:00:00:10:01 retired: booting the local disk\nexit 1\n")

        // Unknown: recorded as discovered, and (discovery ignore) sent to its local disk.
        let unknown = try script(server, "/boot.ipxe?mac=52:54:00:00:10:99")
        #expect(unknown.contains("not registered") && unknown.hasSuffix("exit 1\n"))
        let discovered = try JSONParser.parse(try server.ctl(["list", "--state", "discovered", "--json"]).stdout).arrayValue ?? []
        #expect(discovered.map { $0["mac"]?.stringValue ?? "" } == ["52:54:00:00:10:99"])

        // A profile that does not exist: refused with a reason, recorded, and no transition.
        #expect(try server.ctl(["register", "52:54:00:00:10:02", "--hostname", "web2", "--profile", "missing"]).status == 0)
        #expect(try script(server, "/boot.ipxe?mac=52:54:00:00:10:02").contains("profile \"missing\" does not exist"))
        #expect(try JSONParser.parse(try server.ctl(["show", "52:54:00:00:10:02", "--json"]).stdout)["state"] == .string("registered"))

        // Bad requests.
        let badMAC = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.httpURL + "/boot.ipxe?mac=nonsense"])
        #expect(badMAC.stdout == "400")
        let noMAC = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.httpURL + "/boot.ipxe"])
        #expect(noMAC.stdout == "400")
        server.stop()
        #expect(server.log.contains("path=/boot.ipxe status=200") && server.log.contains("mac=52:54:00:00:10:01"))
    }

    @Test func holdKeepsAnUnknownMachineWaitingUntilAdopted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path + "/data",
                                       extraArguments: ["--profiles-dir", try profilesDirectory(dir), "--discovery", "hold"])
        let waiting = try script(server, "/boot.ipxe?mac=52:54:00:00:20:01")
        #expect(waiting.contains("sleep 30\nchain \(server.httpURL)/boot.ipxe?mac=52:54:00:00:20:01\n"))
        #expect(try server.ctl(["adopt", "52:54:00:00:20:01", "--hostname", "late", "--profile", "debian-test"]).status == 0)
        #expect(try script(server, "/boot.ipxe?mac=52:54:00:00:20:01").contains("kernel "))
        server.stop()
    }

    @Test func assetsServeRangesValidatorsAndRefuseEscapes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let assets = dir.path + "/assets"
        try FileManager.default.createDirectory(atPath: assets + "/debian", withIntermediateDirectories: true)
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        let content = random.readData(ofLength: 5_000_000)
        try content.write(to: URL(fileURLWithPath: assets + "/debian/initrd.gz"))
        try "secret".write(toFile: dir.path + "/secret", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: assets + "/escape", withDestinationPath: dir.path + "/secret")
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--assets-dir", assets])
        let url = server.httpURL + "/assets/debian/initrd.gz"

        // Whole file, then reassembled from three ranges (one open-ended).
        #expect(try runTool("curl", ["-s", "-f", "-o", dir.path + "/whole", url]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/whole")) == content)
        var reassembled = Data()
        for range in ["0-999999", "1000000-3999999", "4000000-"] {
            let part = dir.path + "/part"
            let result = try runTool("curl", ["-s", "-o", part, "-w", "%{http_code}", "-r", range, url])
            #expect(result.stdout == "206")
            reassembled.append(try Data(contentsOf: URL(fileURLWithPath: part)))
        }
        #expect(reassembled == content)
        let unsatisfiable = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-r", "6000000-", url])
        #expect(unsatisfiable.stdout == "416")

        // HEAD: the headers of a GET, no body.
        let head = try runTool("curl", ["-s", "-I", url]).stdout
        #expect(head.contains("Content-Length: 5000000"))
        #expect(head.contains("Accept-Ranges: bytes"))
        #expect(head.contains("Content-Type: application/gzip"))
        let etag = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("ETag: ") }).dropFirst(6)
        let lastModified = try #require(head.split(separator: "\r\n").first { $0.hasPrefix("Last-Modified: ") }).dropFirst(15)

        // Validators: 304 for a matching ETag or date, 200 when the ETag differs.
        let byTag = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag)", url])
        #expect(byTag.stdout == "304")
        let byDate = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-Modified-Since: \(lastModified)", url])
        #expect(byDate.stdout == "304")
        let changed = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \"other\"", url])
        #expect(changed.stdout == "200")

        // No way out of the assets directory.
        for path in ["/assets/../data/admin.token", "/assets/escape", "/assets/debian/%2e%2e/%2e%2e/secret", "/assets/%2fetc%2fpasswd"] {
            let result = try runTool("curl", ["-s", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", server.httpURL + path])
            #expect(result.stdout == "403" || result.stdout == "404", "\(path): \(result.stdout)")
        }
        server.stop()
    }

    @Test func aOneGibibyteAssetIsStreamedWithFlatMemory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try serverWithSparseAsset(in: dir, bytes: 1 << 30)
        let before = try peakResidentKiB(server.process.processIdentifier)
        let result = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", server.httpURL + "/assets/big.img"])
        #expect(result.stdout == "200 1073741824")
        let after = try peakResidentKiB(server.process.processIdentifier)
        // The file goes from page cache to socket (sendfile): the server's peak memory barely moves.
        #expect(after - before < 32 * 1024, "peak RSS grew from \(before) KiB to \(after) KiB")
        server.stop()
    }

    /// An answer's access line is written when its last byte has left, with the whole time: a
    /// stalled download of an image is not logged as done. A client that goes away midway is
    /// logged as incomplete, with how much it was sent.
    @Test func anAssetIsLoggedOnceSentOrAsIncomplete() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try serverWithSparseAsset(in: dir, bytes: 64 << 20)
        let done = "path=/assets/big.img status=200 bytes=67108864 "

        var stalled: RawHTTPClient? = try RawHTTPClient(port: server.httpPort)
        try stalled?.send("GET /assets/big.img HTTP/1.1\r\nHost: test\r\n\r\n")
        try poll("the first bytes of the answer") { stalled?.hasPendingInput() == true }
        // A later answer's line: once it is in the log, the stalled one's would be too, had it
        // been written when the answer started.
        #expect(try runTool("curl", ["-s", "-o", "/dev/null", server.httpURL + "/assets/none.img"]).status == 0)
        try poll("the later answer's line") { server.log.contains("path=/assets/none.img status=404") }
        #expect(!server.log.contains(done), "logged as sent while the client read nothing: \(server.log)")

        stalled = nil  // closes with the answer unread
        try poll("the incomplete line") { server.log.contains(" request-incomplete ") }
        let incomplete = try #require(server.log.split(separator: "\n").first { $0.contains(" request-incomplete ") })
        #expect(incomplete.contains("path=/assets/big.img status=200 bytes=67108864 "))
        let sent = try #require(incomplete.split(separator: " ").first { $0.hasPrefix("sent=") }.flatMap { Int($0.dropFirst(5)) })
        #expect(sent > 0 && sent < 64 << 20, "\(incomplete)")

        #expect(try runTool("curl", ["-s", "-f", "-o", "/dev/null", server.httpURL + "/assets/big.img"]).status == 0)
        try poll("the whole answer's line") { server.log.contains(done) }
        server.stop()
    }

    /// A server whose assets directory holds `big.img`, a sparse file of `bytes`: much to serve,
    /// almost nothing on disk.
    private func serverWithSparseAsset(in dir: TemporaryDirectory, bytes: Int) throws -> ServerProcess {
        let assets = dir.path + "/assets"
        try FileManager.default.createDirectory(atPath: assets, withIntermediateDirectories: true)
        let fd = open(assets + "/big.img", O_CREAT | O_WRONLY, 0o644)
        defer { close(fd) }
        guard ftruncate(fd, off_t(bytes)) == 0 else { throw TestFailure("ftruncate: errno \(errno)") }
        return try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--assets-dir", assets])
    }

    private func peakResidentKiB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }
}
