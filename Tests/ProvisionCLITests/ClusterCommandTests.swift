import Testing

@testable import ProvisionCLI

@Suite("provisionctl cluster commands")
struct ClusterCommandTests {
    @Test("the general usage lists the cluster subcommands")
    func listed() {
        let usage = cli().run(["--help"]).stdout
        for name in ["cluster create NAME", "cluster list", "cluster show NAME", "cluster delete NAME"] {
            #expect(usage.contains("  " + name), "usage does not list \(name)")
        }
    }

    @Test("cluster SUB --help prints that subcommand's usage", arguments: ["create", "list", "show", "delete"])
    func subcommandHelp(_ sub: String) {
        let output = cli(token: nil).run(["cluster", sub, "--help", "--server", unreachableServer])
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("usage: provisionctl cluster \(sub)"))
    }

    @Test("a group without its subcommand, or with an unknown one, says which exist", arguments: [["cluster"], ["cluster", "frobnicate"]])
    func missingSubcommand(_ arguments: [String]) {
        let output = cli().run(arguments)
        #expect(output.status != 0)
        #expect(output.stderr.contains("cluster needs a subcommand: create, list, show, delete"))
    }

    @Test("create without --kind is a usage error before anything is sent")
    func createNeedsKind() {
        let output = cli().run(["cluster", "create", "lab", "--server", unreachableServer])
        #expect(output.status != 0)
        #expect(output.stderr.contains("missing --kind"))
    }
}
