import Testing

@testable import ProvisionCLI

@Suite("Arguments")
struct ArgumentsTests {
    private let valued: Set<String> = ["--hostname", "--label", "--server"]
    private let switches: Set<String> = ["--json", "--help"]

    @Test("positionals and options are told apart, in any order")
    func positionalsAndOptions() throws {
        let arguments = try Arguments(["first", "--hostname", "h1", "second", "--json"], valued: valued, switches: switches)
        #expect(arguments.positionals == ["first", "second"])
        #expect(arguments.value("--hostname") == "h1")
        #expect(arguments.has("--json"))
        #expect(!arguments.has("--help"))
        #expect(arguments.value("--server") == nil)
    }

    @Test("--name=value takes the value after the first '='")
    func inlineValue() throws {
        let arguments = try Arguments(["--hostname=h2", "--label=k=v=w", "--server="], valued: valued, switches: switches)
        #expect(arguments.value("--hostname") == "h2")
        #expect(arguments.all("--label") == ["k=v=w"])
        #expect(arguments.value("--server") == "")
        #expect(arguments.positionals.isEmpty)
    }

    @Test("a valued option's value may start with dashes")
    func dashValue() throws {
        let arguments = try Arguments(["--hostname", "--json"], valued: valued, switches: switches)
        #expect(arguments.value("--hostname") == "--json")
        #expect(!arguments.has("--json"))
    }

    @Test("repeated options keep every value in order; value() is the last")
    func repeatable() throws {
        let arguments = try Arguments(["--label", "a=1", "--label=b=2", "--label", "c=3"], valued: valued, switches: switches)
        #expect(arguments.all("--label") == ["a=1", "b=2", "c=3"])
        #expect(arguments.value("--label") == "c=3")
        #expect(arguments.all("--hostname") == [])
    }

    @Test("an unknown option is a usage error (exit 2) naming it", arguments: [["--bogus"], ["x", "--bogus=1"], ["--json=yes"]])
    func unknownOption(_ words: [String]) {
        let error = #expect(throws: CLIError.self) { try Arguments(words, valued: valued, switches: switches) }
        #expect(error?.isUsage == true)
        #expect(error?.exitCode == 2)
        #expect(error?.description.contains(words.last!.prefix { $0 != "=" }) == true)
    }

    @Test("a valued option at the end without its value is a usage error")
    func missingValue() {
        let error = #expect(throws: CLIError.self) { try Arguments(["mac", "--hostname"], valued: valued, switches: switches) }
        #expect(error?.isUsage == true)
        #expect(error?.exitCode == 2)
        #expect(error?.description.contains("--hostname") == true)
    }

    @Test("required() is a usage error naming the missing option")
    func required() throws {
        let arguments = try Arguments([], valued: valued, switches: switches)
        let error = #expect(throws: CLIError.self) { try arguments.required("--hostname") }
        #expect(error?.isUsage == true)
        #expect(error?.description.contains("--hostname") == true)
    }

    @Test("CLIError exit codes: usage 2, other 1")
    func exitCodes() {
        #expect(CLIError("x", usage: true).exitCode == 2)
        #expect(CLIError("x").exitCode == 1)
    }
}
