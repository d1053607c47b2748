import TestSupport
import Testing

@testable import Server

/// How the descriptor limit is shared among the planes, and the flags that set the budgets.
@Suite("DescriptorBudget and its flags") struct DescriptorBudgetTests {
    @Test("1,024 descriptors: a reserve of 128, the rest shared so the planes together stay within it")
    func smallLimit() {
        let budget = DescriptorBudget(limit: 1024, config: ServerConfig())
        #expect(budget.reserve == 128)
        #expect(budget.httpConnections == 224 && budget.adminConnections == 112 && budget.tftpTransfers == 168)
        #expect(budget.planes == 896 && !budget.overcommitted)
    }

    @Test func aHugeLimitIsCappedPerPlane() {
        let budget = DescriptorBudget(limit: 1 << 20, config: ServerConfig())
        #expect(budget.httpConnections == 16_384 && budget.adminConnections == 1_024 && budget.tftpTransfers == 1_024)
    }

    @Test func aTinyLimitStillLeavesEachPlaneOne() {
        let budget = DescriptorBudget(limit: 16, config: ServerConfig())
        #expect(budget.reserve == 64 && budget.httpConnections == 1 && budget.adminConnections == 1 && budget.tftpTransfers == 1)
    }

    @Test("explicit figures win, and too large ones are reported as overcommitted")
    func explicit() throws {
        let config = try loadedConfig(["--http-connections", "900", "--admin-connections=10", "--tftp-transfers", "20",
                                       "--http-connections-per-address", "4", "--admin-connections-per-address", "5",
                                       "--tftp-transfers-per-address", "2", "--request-head-timeout", "2.5", "--request-body-timeout", "7"])
        let budget = DescriptorBudget(limit: 1024, config: config)
        #expect(budget.httpConnections == 900 && budget.adminConnections == 10 && budget.tftpTransfers == 20)
        #expect(budget.overcommitted)
        #expect(config.httpConnectionsPerAddress == 4 && config.adminConnectionsPerAddress == 5 && config.tftpTransfersPerAddress == 2)
        #expect(config.requestHeadTimeout == 2.5 && config.requestBodyTimeout == 7)
    }

    @Test func defaults() {
        let config = ServerConfig()
        #expect(config.httpConnections == nil && config.adminConnections == nil && config.tftpTransfers == nil)
        #expect(config.httpConnectionsPerAddress == 32 && config.adminConnectionsPerAddress == 1024 && config.tftpTransfersPerAddress == 8)
        #expect(config.requestHeadTimeout == 10 && config.requestBodyTimeout == 60)
    }

    @Test func theConfigFileSetsThemToo() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("c.json", #"{"httpConnections": "50", "tftpTransfersPerAddress": "3", "requestHeadTimeout": "4"}"#)
        let config = try loadedConfig(["--config", file])
        #expect(config.httpConnections == 50 && config.tftpTransfersPerAddress == 3 && config.requestHeadTimeout == 4)
    }

    @Test func badFiguresAreRefusedNamingTheRange() {
        #expect(loadFailure(["--http-connections", "0"]) == "boot plane connections \"0\" must be a whole number from 1 to 1048576")
        #expect(loadFailure(["--tftp-transfers-per-address", "x"]) == "TFTP transfers per address \"x\" must be a whole number from 1 to 65536")
        #expect(loadFailure(["--request-head-timeout", "0"]) == "request head timeout \"0\" must be a number of seconds between 0 and 3600")
    }
}
