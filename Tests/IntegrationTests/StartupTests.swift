import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

/// How provisiond starts: defaults, config file, flags, and the errors that stop it.
@Suite(.timeLimit(.minutes(5))) struct StartupTests {
    @Test func createsDataDirectoryAndPrivateToken() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path + "/nested/data")
        var info = stat()
        #expect(stat(server.tokenPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let token = server.token
        #expect(token.count == 64 && token.allSatisfy { $0.isHexDigit })
        // The database holds install tokens: owner-only too.
        #expect(stat(dir.path + "/nested/data/provision.db", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        server.stop()
    }

    @Test func configFileKeysApplyAndFlagsWin() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = dir.path + "/provisiond.json"
        try #"{"dataDir": "\#(dir.path)/from-file", "adminListen": "127.0.0.1:1", "logLevel": "debug"}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        // ServerProcess passes --admin-listen 127.0.0.1:0, which must win over the file's port 1.
        let server = try ServerProcess(dataDir: dir.path + "/from-flag", extraArguments: ["--config", config])
        #expect(server.adminPort != 1)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/from-flag/admin.token"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/from-file"))
        server.stop()
    }

    @Test(arguments: [
        (["--bogus"], "unknown flag \"--bogus\""),
        (["--data-dir"], "flag --data-dir needs a value"),
        (["--admin-listen", "localhost"], "invalid listen address \"localhost\""),
        (["--log-level", "loud"], "unknown log level \"loud\""),
        (["--config", "/nonexistent/provisiond.json"], "cannot read config file /nonexistent/provisiond.json"),
    ])
    func refusesBadFlagsWithAMessage(arguments: [String], message: String) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let result = try runProgram(Binaries.provisiond, ["--data-dir", dir.path + "/d", "--http-listen", "127.0.0.1:0"] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func refusesUnknownConfigKeys() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = dir.path + "/provisiond.json"
        try #"{"dataDir": "\#(dir.path)/d", "httpListn": "0.0.0.0:8080"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try runProgram(Binaries.provisiond, ["--config", config])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown key \"httpListn\""), "\(result.stderr)")
    }

    @Test func refusesAPortInUseAndANewerSchema() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        // The TFTP listener on a port named to it, as 69 is named: the kernel's picks are never shared.
        let tftpPort = try RawUDPClient(source: "127.0.0.1").port
        let running = try ServerProcess(dataDir: dir.path + "/a", extraArguments: ["--tftp-listen", "127.0.0.1:\(tftpPort)"])
        let clash = try runProgram(Binaries.provisiond, ["--data-dir", dir.path + "/b", "--http-listen", "127.0.0.1:0",
                                                         "--admin-listen", "127.0.0.1:\(running.adminPort)"])
        #expect(clash.status == 2)
        #expect(clash.stderr.contains("another process listens there"), "\(clash.stderr)")
        // UDP too: a second TFTP server on the port would take some of the first one's requests.
        // Under timeout(1): one that binds it runs on.
        let tftpClash = try runTool("timeout", ["30", Binaries.provisiond.path, "--data-dir", dir.path + "/b", "--http-listen", "127.0.0.1:0",
                                                "--admin-listen", "127.0.0.1:0", "--dhcp-mode", "off", "--tftp-listen", "127.0.0.1:\(tftpPort)"])
        #expect(tftpClash.status == 2)
        #expect(tftpClash.stderr.contains("bind 127.0.0.1:\(tftpPort)") && tftpClash.stderr.contains("another process listens there"),
                "\(tftpClash.stderr)")
        running.stop()

        // A database touched by a newer provisiond is refused, not guessed at.
        let future = Migration(version: 99, name: "from the future", sql: "CREATE TABLE future (x)")
        _ = try Inventory(path: dir.path + "/a/provision.db", migrations: Schema.migrations + [future])
        let refused = try runProgram(Binaries.provisiond, ["--data-dir", dir.path + "/a", "--http-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("schema version 99 is newer"), "\(refused.stderr)")
    }

    @Test func helpAndVersion() throws {
        let help = try runProgram(Binaries.provisiond, ["--help"])
        #expect(help.status == 0)
        for flag in ["--data-dir", "--http-listen", "--admin-listen", "--config", "--idle-timeout"] { #expect(help.stdout.contains(flag)) }
        let version = try runProgram(Binaries.provisiond, ["--version"])
        #expect(version.stdout.hasPrefix("provisiond "))
    }

    /// A SIGTERM sent the moment the listeners are up (while the daemon is still starting, as a
    /// service manager or an impatient operator may) stops it cleanly every time. With a Dispatch
    /// signal source such a signal could arrive before the source was armed and be discarded.
    @Test func aStopSignalRightAfterStartIsNeverLost() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        for round in 1...15 {
            let server = try ServerProcess(dataDir: dir.path + "/data")
            kill(server.process.processIdentifier, SIGTERM)
            let exited = eventually(seconds: 20) { !server.process.isRunning }
            if !exited { kill(server.process.processIdentifier, SIGKILL) }
            #expect(exited, "round \(round): provisiond still running 20 s after SIGTERM")
            #expect(server.stop() == 0)
            #expect(server.log.contains(" stopped"), "round \(round): \(server.log)")
        }
    }
}
