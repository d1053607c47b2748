import Foundation
import Glibc
import TestSupport
import Testing

/// provisiond's TFTP server against real clients: curl, tftp-hpa and atftp.
@Suite(.serialized, .timeLimit(.minutes(5))) struct TFTPClientTests {
    /// Sizes around block boundaries, the last block number before rollover, and a large file.
    static let sizes = [0, 511, 512, 513, 65535 * 512, 64 << 20]

    @Test func everyClientGetsByteIdenticalFilesAtEverySize() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        for size in Self.sizes {
            try random.readData(ofLength: size).write(to: URL(fileURLWithPath: "\(root)/f\(size)"))
        }
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root])
        for client in TFTPClient.allCases {
            for size in Self.sizes {
                // tftp-hpa speaks 512-byte blocks only: 64 MiB would need 131,072 lockstep round trips and a
                // block number rollover, which 65535 × 512 already covers for it.
                if client == .tftpHPA && size == 64 << 20 { continue }
                let output = "\(dir.path)/out-\(size)"
                let result = try client.fetch("f\(size)", port: server.tftpPort, output: output)
                #expect(result.status == 0, "\(client) \(size): \(result.stderr)")
                let expected = try Data(contentsOf: URL(fileURLWithPath: "\(root)/f\(size)"))
                let received = (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data()
                #expect(received == expected, "\(client) size \(size): got \(received.count) bytes")
                try? FileManager.default.removeItem(atPath: output)
            }
        }
        #expect(server.stop() == 0)
        // Every transfer ended complete.
        #expect(!server.log.contains("tftp-gave-up"))
        #expect(!server.log.contains("tftp-aborted"))
    }

    @Test func servesTheIPXEBinariesFromTheIPXEDirectory() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)
        for name in ["undionly.kpxe", "ipxe.efi", "snponly.efi"] {
            let output = "\(dir.path)/\(name)"
            #expect(try TFTPClient.atftpWindow16.fetch(name, port: server.tftpPort, output: output).status == 0)
            let expected = try Data(contentsOf: URL(fileURLWithPath: "/usr/lib/ipxe/\(name)"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == expected, "\(name)")
        }
        server.stop()
    }

    @Test func netasciiConvertsLineEndings() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let text = (0..<2000).map { "line \($0)\n" }.joined()
        try text.write(toFile: root + "/notes.txt", atomically: true, encoding: .utf8)
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root])
        // tftp-hpa in netascii mode turns CR LF back into LF: the text must come back unchanged.
        let result = try runTool("tftp", ["127.0.0.1", String(server.tftpPort), "-m", "netascii", "-c", "get", "notes.txt", dir.path + "/notes.out"])
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: dir.path + "/notes.out", encoding: .utf8) == text)
        server.stop()
        #expect(server.log.contains("file=notes.txt bytes=\(text.utf8.count + 2000)"), "netascii length counts the added CRs")
    }

    @Test func pathsOutsideTheRootAreRefusedForEveryClient() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try "secret\n".write(toFile: dir.path + "/secret", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: dir.path + "/secret")
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root])
        let attempts = ["../secret", "sub/../../secret", "link", "/etc/passwd", "sub\\..\\..\\secret"]
        for client in [TFTPClient.curl512, .tftpHPA, .atftp] {
            for name in attempts {
                let output = "\(dir.path)/stolen"
                _ = try client.fetch(name, port: server.tftpPort, output: output)
                let stolen = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                #expect(!stolen.contains("secret") && !stolen.contains("root:"), "\(client) got \(name)")
                try? FileManager.default.removeItem(atPath: output)
            }
        }
        server.stop()
        // 10 in full an interval of 10 s (TFTPService.linesPerInterval), the rest as counts.
        let refusals = RateLimitedLines(server.log, event: "tftp-refused")
        #expect(refusals.total >= 3 * attempts.count - 3 && refusals.full.count >= 10, "\(refusals)")
        #expect(!server.log.contains("tftp-sent"))
    }

    @Test func aClientThatGoesSilentIsGivenUpAndOthersCarryOn() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: root + "/file"))
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root, "--tftp-retries", "1"])
        // Ask for the file, take the first block, then say nothing more.
        let silent = try RawUDPClient()
        try silent.send(Array("\0\u{1}file\0octet\0".utf8), port: server.tftpPort)
        let first = try #require(try silent.receive())
        #expect(first.prefix(4) == [0, 3, 0, 1])
        // A client that aborts with ERROR ends its transfer at once.
        let quitter = try RawUDPClient()
        try quitter.send(Array("\0\u{1}file\0octet\0".utf8), port: server.tftpPort)
        _ = try #require(try quitter.receive())
        try quitter.send([0, 5, 0, 0] + Array("user cancelled\0".utf8), port: quitter.lastSourcePort)
        // Meanwhile another client is served.
        #expect(try TFTPClient.curl1468.fetch("file", port: server.tftpPort, output: dir.path + "/ok").status == 0)
        _ = eventually { server.log.contains("tftp-gave-up") && server.log.contains("tftp-aborted") }
        #expect(server.log.contains("tftp-gave-up"), "the silent transfer is released after its retries")
        #expect(server.log.contains("tftp-aborted"), "the cancelled transfer is released at once")
        server.stop()
    }

    /// With no descriptor left (the open-file limit lowered under the running server to the
    /// lowest free number), a request can get neither its file nor a transfer socket: the ERROR
    /// leaves from port 69, so tftp-hpa hears "busy" at once instead of retrying into silence.
    @Test func withNoDescriptorLeftARequestStillGetsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let root = dir.path + "/tftp"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: root + "/file"))
        let server = try ServerProcess(dataDir: dir.path + "/data", extraArguments: ["--tftp-root", root])
        let pid = String(server.process.processIdentifier)
        let open = Set(try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap { Int($0) })
        let lowestFree = (0...).first { !open.contains($0) }!
        #expect(try runTool("prlimit", ["--pid", pid, "--nofile=\(lowestFree):"]).status == 0)
        let refused = try TFTPClient.tftpHPA.fetch("file", port: server.tftpPort, output: dir.path + "/refused")
        #expect(refused.stdout.contains("Error code 0: no file descriptor left") || refused.stderr.contains("Error code 0: no file descriptor left"),
                "\(refused.stdout) \(refused.stderr)")
        // Descriptors back: served again.
        #expect(try runTool("prlimit", ["--pid", pid, "--nofile=1024:"]).status == 0)
        let served = try TFTPClient.tftpHPA.fetch("file", port: server.tftpPort, output: dir.path + "/served")
        #expect(served.status == 0 && (try? Data(contentsOf: URL(fileURLWithPath: dir.path + "/served")).count) == 1000, "\(served.stderr)")
        server.stop()
        #expect(server.log.contains("tftp-refused peer=127.0.0.1:"), "\(server.log)")
    }
}
