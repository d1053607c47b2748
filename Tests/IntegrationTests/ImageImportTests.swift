import Foundation
import TestSupport
import Testing
import Wire

/// `provisionctl image import` against the real binary (DESIGN.md §13), with real qemu-img, xz,
/// zstd and curl: a qcow2 from a server-side file with its checksum, an .xz over HTTP (Python's
/// http.server on loopback), a wrong checksum, and the refusals; what is stored must decompress
/// to exactly the blocks of the raw disk the test made that hold data, which its map names.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ImageImportTests {
    private func server(_ dir: TemporaryDirectory) throws -> ServerProcess {
        try ServerProcess(dataDir: dir.path + "/data")
    }

    /// A 24 MiB raw disk, mostly holes, with data at its start, middle and end.
    private func rawDisk(_ path: String) throws {
        let write = try runTool("python3", ["-c", """
            import sys
            with open(sys.argv[1], "wb") as f:
                f.truncate(24 << 20)
                for offset in (0, 12 << 20, (24 << 20) - 4096):
                    f.seek(offset); f.write(bytes(range(256)) * 16)
            """, path])
        #expect(write.status == 0, "\(write.stderr)")
    }

    private func image(_ server: ServerProcess, _ name: String) throws -> JSONValue {
        try JSONParser.parse(try server.ctl(["image", "list", "--json"]).stdout).arrayValue?.first { $0["name"] == .string(name) } ?? .null
    }

    @Test func qcow2FromAFileAndXZOverHTTPBecomeTheSameRawStream() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let raw = dir.path + "/disk.raw"
        try rawDisk(raw)
        let rawSHA = try DeployLab.sha256(raw)
        let qcow2 = dir.path + "/disk.qcow2"
        #expect(try runTool("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, qcow2]).status == 0)

        let imported = try server.ctl(["image", "import", "d12", "--file", qcow2, "--checksum", "sha256:\(try DeployLab.sha256(qcow2))", "--json"])
        #expect(imported.status == 0, "\(imported.stdout) \(imported.stderr)")
        let record = try JSONParser.parse(imported.stdout)
        #expect(record["state"] == .string("ready") && record["sourceFormat"] == .string("qcow2"), "\(record.encoded())")
        #expect(record["rawBytes"] == .int(24 << 20) && record["rawSha256"] == .string(rawSHA))
        // Data in blocks 0, 12 and 23 of 1 MiB: those are stored, in order, and nothing else.
        #expect(record["blockBytes"] == .int(1 << 20) && record["blockRanges"] == .string("0+1,12+1,23+1") && record["mappedBytes"] == .int(3 << 20))
        let stored = dir.path + "/data/images/d12/image.map.zst"
        let restored = dir.path + "/restored.raw"
        #expect(try runTool("zstd", ["-q", "-d", stored, "-o", restored]).status == 0)
        let rawBytes = try Data(contentsOf: URL(fileURLWithPath: raw))
        let blocks = [0, 12, 23].map { rawBytes[($0 << 20)..<(($0 + 1) << 20)] }.reduce(Data(), +)
        #expect(try Data(contentsOf: URL(fileURLWithPath: restored)) == blocks)
        #expect(try DeployLab.sha256(restored) == record["mappedSha256"]?.stringValue)
        #expect(record["storedBytes"]?.intValue ?? 0 < 1 << 20, "holes and repeats compress: \(record.encoded())")
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data/images/d12/work"))

        // The same disk as .xz, downloaded over HTTP.
        #expect(try runTool("xz", ["-k", "-T1", "-1", raw]).status == 0)
        let web = try HTTPFileServer(directory: dir.path)
        defer { web.stop() }
        let overHTTP = try server.ctl(["image", "import", "d12-xz", "--url", "\(web.url)/disk.raw.xz"])
        #expect(overHTTP.status == 0, "\(overHTTP.stdout) \(overHTTP.stderr)")
        #expect(overHTTP.stdout.contains("rawSha256:      \(rawSHA)") && overHTTP.stdout.contains("sourceFormat:   raw"), "\(overHTTP.stdout)")

        let table = try server.ctl(["image", "list"]).stdout
        #expect(table.contains("d12 ") && table.contains("d12-xz ") && table.contains("ready"), "\(table)")
        #expect(try server.ctl(["image", "delete", "d12"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data/images/d12"))
        #expect(try image(server, "d12") == .null && image(server, "d12-xz")["state"] == .string("ready"))
        server.stop()
        #expect(server.log.contains("image-imported image=d12 ") && server.log.contains("sha256=\(rawSHA)"))
    }

    @Test func wrongChecksumsMissingFilesAndBadRequestsFailClearly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try server(dir)
        let raw = dir.path + "/disk.raw"
        try rawDisk(raw)
        let wrong = String(repeating: "0", count: 64)
        let failed = try server.ctl(["image", "import", "bad", "--file", raw, "--checksum", "sha256:\(wrong)"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("checksum: the source's sha256 is \(try DeployLab.sha256(raw)), not \(wrong)"), "\(failed.stderr)")
        #expect(try image(server, "bad")["state"] == .string("failed"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data/images/bad/image.raw.zst"))

        let missing = try server.ctl(["image", "import", "gone", "--file", dir.path + "/nothing.qcow2"])
        #expect(missing.status != 0 && missing.stderr.contains("source: cannot read \(dir.path)/nothing.qcow2 on the server"), "\(missing.stderr)")
        let again = try server.ctl(["image", "import", "bad", "--file", raw])
        #expect(again.status != 0 && again.stderr.contains("image bad exists: delete it first"), "\(again.stderr)")
        let badName = try server.ctl(["image", "import", "Bad", "--file", raw])
        #expect(badName.status != 0 && badName.stderr.contains("image name \"Bad\" must be"), "\(badName.stderr)")
        let both = try server.ctl(["image", "import", "x", "--file", raw, "--url", "http://127.0.0.1:1/x"])
        #expect(both.status != 0 && both.stderr.contains("give exactly one of url and file"), "\(both.stderr)")
        let unreachable = try server.ctl(["image", "import", "net", "--url", "http://127.0.0.1:1/x.qcow2"])
        #expect(unreachable.status != 0 && unreachable.stderr.contains("download: curl exit 7"), "\(unreachable.stderr)")
        #expect(try server.ctl(["image", "delete", "nope"]).stderr.contains("no image nope"))
    }
}

/// Python's http.server on a free loopback port, serving `directory`.
final class HTTPFileServer {
    let process: Process
    let url: String

    init(directory: String) throws {
        let output = ChildOutput()
        let process = Process()
        self.process = process
        process.executableURL = URL(fileURLWithPath: try toolPath("python3"))
        process.arguments = ["-u", "-c", """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            print("port", server.server_address[1], flush=True)
            server.serve_forever()
            """, directory]
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        output.startReading()
        var port = ""
        try poll("python3 http.server to print its port: \(output.text)") {
            port = output.text.split(separator: "\n").first { $0.hasPrefix("port ") }.map { String($0.dropFirst(5)) } ?? ""
            return !port.isEmpty || !process.isRunning
        }
        guard !port.isEmpty else { throw TestFailure("http.server exited: \(output.text)") }
        url = "http://127.0.0.1:\(port)"
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
