import Testing

@testable import ProvisionCLI

@Suite("provisionctl help and command names")
struct HelpTests {
    static let commands = ["register", "list", "show", "events", "update", "adopt", "reimage", "retire", "delete"]

    @Test("--help, -h and no arguments print the general usage listing every command", arguments: [["--help"], ["-h"], []])
    func generalUsage(_ arguments: [String]) {
        let output = cli().run(arguments)
        #expect(output.status == 0)
        #expect(output.stderr == "")
        #expect(output.stdout.hasPrefix("usage: provisionctl COMMAND"))
        let listed = output.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        for command in Self.commands { #expect(listed.contains(command), "usage does not list \(command)") }
        #expect(output.stdout.contains("--token-file"))
    }

    @Test("COMMAND --help prints that command's usage without contacting a server", arguments: commands)
    func commandUsage(_ command: String) {
        let output = cli(token: nil).run([command, "--help", "--server", unreachableServer])
        #expect(output.status == 0)
        #expect(output.stderr == "")
        #expect(output.stdout.hasPrefix("usage: provisionctl \(command)"))
        #expect(output.stdout.contains("global options:"))
    }

    @Test("register --help shows its MAC argument and its options")
    func registerUsage() {
        let output = cli().run(["register", "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("usage: provisionctl register MAC [options]"))
        for option in ["--hostname", "--profile", "--label", "--nic"] { #expect(output.stdout.contains(option)) }
    }

    /// `-h` is declared as a global switch and works before any command, but Arguments only
    /// treats words starting with `--` as options, so after a command it is taken as a positional.
    @Test("COMMAND -h prints that command's usage like COMMAND --help", arguments: [["register", "-h"], ["list", "-h"], ["-h", "show"]])
    func commandShortHelp(_ arguments: [String]) {
        let output = cli().run(arguments + ["--server", unreachableServer])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("usage: provisionctl \(arguments.first { $0 != "-h" }!)"))
        #expect(output.stderr == "")
    }

    @Test("an unknown command is a usage error naming it")
    func unknownCommand() {
        let output = cli().run(["frobnicate", "--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stdout == "")
        #expect(output.stderr.contains("unknown command \"frobnicate\""))
        #expect(output.stderr.contains("provisionctl --help"))
    }

    @Test("options but no command is a usage error")
    func noCommand() {
        let output = cli().run(["--json"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("no command"))
    }

    @Test("the wrong number of positionals is a usage error", arguments: [["show"], ["show", "aa:bb:cc:dd:ee:ff", "extra"], ["list", "x"]])
    func positionalCount(_ arguments: [String]) {
        let output = cli().run(arguments + ["--server", unreachableServer])
        #expect(output.status == 2)
        #expect(output.stderr.contains("takes"))
    }
}
