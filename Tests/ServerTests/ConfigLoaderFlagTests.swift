import Testing

@testable import Server

@Suite("ConfigLoader: flags")
struct ConfigLoaderFlagTests {
    @Test("no arguments runs on the defaults")
    func defaults() throws {
        #expect(try ConfigLoader.load(arguments: []) == .run(ServerConfig()))
        let config = ServerConfig()
        #expect(config.dataDir == "./provision-data")
        #expect(config.httpListen == "0.0.0.0:8080")
        #expect(config.adminListen == "127.0.0.1:8081")
        #expect(config.logLevel == .info)
    }

    @Test("--help and -h ask for help, wherever they are", arguments: [["--help"], ["-h"], ["--data-dir", "/x", "--help"]])
    func help(_ arguments: [String]) throws {
        #expect(try ConfigLoader.load(arguments: arguments) == .help)
    }

    @Test("--version asks for the version")
    func version() throws {
        #expect(try ConfigLoader.load(arguments: ["--version"]) == .version)
    }

    @Test("a flag takes its value as the next word or after '='", arguments: [["--data-dir", "/srv/prov"], ["--data-dir=/srv/prov"]])
    func dataDir(_ arguments: [String]) throws {
        #expect(try loadedConfig(arguments).dataDir == "/srv/prov")
    }

    @Test("--commission-profile names a profile held machines boot to report their hardware")
    func commissionProfile() throws {
        #expect(try loadedConfig([]).commissionProfile == nil)
        #expect(try loadedConfig(["--discovery", "hold", "--commission-profile", "commission"]).commissionProfile == "commission")
        #expect(loadFailure(["--commission-profile", "../etc/x"]) == "commission profile \"../etc/x\" must be a profile name")
    }

    @Test("an inline value may itself contain '='")
    func inlineValueWithEquals() throws {
        #expect(try loadedConfig(["--data-dir=/srv/a=b"]).dataDir == "/srv/a=b")
    }

    @Test("every flag sets its field")
    func allFlags() throws {
        let config = try loadedConfig([
            "--http-listen", "10.0.0.1:80", "--admin-listen=127.0.0.1:9000", "--log-level", "debug", "--data-dir", "/d",
        ])
        #expect(config.httpListen == "10.0.0.1:80")
        #expect(config.adminListen == "127.0.0.1:9000")
        #expect(config.logLevel == .debug)
        #expect(config.dataDir == "/d")
    }

    @Test("log levels by name", arguments: [("debug", Logger.Level.debug), ("info", .info), ("warn", .warning), ("error", .error)])
    func logLevels(_ name: String, _ level: Logger.Level) throws {
        #expect(try loadedConfig(["--log-level", name]).logLevel == level)
    }

    @Test("the last of a repeated flag wins")
    func repeatedFlag() throws {
        #expect(try loadedConfig(["--data-dir", "/a", "--data-dir", "/b"]).dataDir == "/b")
    }

    @Test("an unknown flag is an error that names it", arguments: ["--bogus", "--bogus=1", "run", "-x"])
    func unknownFlag(_ flag: String) {
        let message = loadFailure([flag])
        #expect(message.contains("\"\(flag)\""))
    }

    @Test("a flag without its value is an error that names it", arguments: ["--data-dir", "--config", "--log-level"])
    func missingValue(_ flag: String) {
        let message = loadFailure([flag])
        #expect(message.contains(flag))
        #expect(message.contains("value"))
    }

    @Test("an unknown log level is an error naming it", arguments: ["bad", "INFO", "warning", ""])
    func badLogLevel(_ level: String) {
        let message = loadFailure(["--log-level", level])
        #expect(message.contains("\"\(level)\""))
    }

    @Test("an empty data directory is refused, not read as the filesystem root", arguments: [["--data-dir", ""], ["--data-dir="]])
    func emptyDataDir(_ arguments: [String]) {
        #expect(loadFailure(arguments).contains("data directory must not be empty"))
    }

    @Test("databasePath and adminTokenPath live in the data directory")
    func derivedPaths() {
        var config = ServerConfig()
        #expect(config.databasePath == "./provision-data/provision.db")
        #expect(config.adminTokenPath == "./provision-data/admin.token")
        config.dataDir = "/var/lib/provisiond"
        #expect(config.databasePath == "/var/lib/provisiond/provision.db")
        #expect(config.adminTokenPath == "/var/lib/provisiond/admin.token")
    }

    @Test("usage lists every flag")
    func usage() {
        let text = ConfigLoader.usage
        for flag in ["--config", "--data-dir", "--http-listen", "--admin-listen", "--log-level"] {
            #expect(text.contains(flag), "usage lacks \(flag)")
        }
    }
}
