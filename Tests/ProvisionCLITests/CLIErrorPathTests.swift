import Foundation
import TestSupport
import Testing

@testable import ProvisionCLI

/// Failures found before (or instead of) talking to provisiond.
@Suite("provisionctl errors without a server")
struct CLIErrorPathTests {
    @Test("a bad MAC is refused before anything is sent")
    func badMAC() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let tokenFile = try directory.write("admin.token", "file-token-0123456789\n")
        let output = ProvisionCLI(environment: [:]).run([
            "register", "zz", "--hostname", "a", "--profile", "b", "--token-file", tokenFile, "--server", unreachableServer,
        ])
        #expect(output.status == 1)
        #expect(output.stdout == "")
        #expect(output.stderr.contains("invalid MAC address \"zz\""))
        #expect(!output.stderr.contains("cannot reach"))
    }

    @Test("no token anywhere (an empty PROVISION_TOKEN counts as none) is an error pointing at --token-file",
          .serialized, arguments: [[:], ["PROVISION_TOKEN": ""]] as [[String: String]])
    func noToken(_ environment: [String: String]) throws {
        let fallback = "./provision-data/admin.token"
        var previous: String?
        // The fallback is relative to the working directory: run somewhere it cannot exist.
        let scratch = FileManager.default.fileExists(atPath: fallback) ? try TemporaryDirectory() : nil
        if let scratch {
            previous = FileManager.default.currentDirectoryPath
            #expect(FileManager.default.changeCurrentDirectoryPath(scratch.path))
        }
        defer {
            if let previous { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
            withExtendedLifetime(scratch) {}
        }
        let output = ProvisionCLI(environment: environment).run(["list", "--server", unreachableServer])
        #expect(output.status == 1)
        #expect(output.stderr.contains("no admin token"))
        #expect(output.stderr.contains("--token-file"))
        #expect(output.stderr.contains("PROVISION_TOKEN"))
        #expect(!output.stderr.contains("cannot reach"))
    }

    @Test("an unreadable or empty token file is an error naming it")
    func badTokenFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let empty = try directory.write("empty.token", " \n")
        let missing = directory.path + "/absent.token"
        for path in [empty, missing] {
            let output = cli().run(["list", "--token-file", path, "--server", unreachableServer])
            #expect(output.status == 1)
            #expect(output.stderr.contains(path))
        }
    }

    @Test("a server nobody listens on is reported with its URL")
    func unreachable() {
        let output = cli().run(["--server", unreachableServer, "list"])
        #expect(output.status == 1)
        #expect(output.stdout == "")
        #expect(output.stderr.contains("cannot reach provisiond at http://127.0.0.1:1"))
    }

    @Test("PROVISION_SERVER is used when --server is not given")
    func serverFromEnvironment() {
        let output = ProvisionCLI(environment: ["PROVISION_TOKEN": "t-0123456789abcdef", "PROVISION_SERVER": unreachableServer])
            .run(["list"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("cannot reach provisiond at http://127.0.0.1:1"))
    }

    @Test("a server URL that is not http(s) is a usage error", arguments: ["ftp://x", "127.0.0.1:8081", "http://", "not a url"])
    func badServer(_ server: String) {
        let output = cli().run(["--server", server, "list"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("bad --server URL"))
    }

    @Test("a label without KEY=VALUE is a usage error", arguments: ["bad", "=value"])
    func badLabel(_ label: String) {
        let output = cli().run([
            "register", "aa:bb:cc:dd:ee:01", "--hostname", "h", "--profile", "p", "--label", label, "--server", unreachableServer,
        ])
        #expect(output.status == 2)
        #expect(output.stderr.contains("KEY=VALUE"))
        #expect(output.stderr.contains("\"\(label)\""))
    }

    @Test("update with no options is a usage error: nothing to update")
    func emptyUpdate() {
        let output = cli().run(["update", "aa:bb:cc:dd:ee:01", "--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stderr.contains("nothing to update"))
    }

    @Test("register without --profile is a usage error naming it")
    func registerMissingProfile() {
        let output = cli().run(["register", "aa:bb:cc:dd:ee:01", "--hostname", "h", "--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stderr.contains("--profile"))
    }

    @Test("an option the command does not take is a usage error", arguments: [["list", "--hostname", "x"], ["show", "aa:bb:cc:dd:ee:01", "--state", "ready"]])
    func foreignOption(_ arguments: [String]) {
        let output = cli().run(arguments + ["--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stderr.contains("unknown option"))
    }
}
