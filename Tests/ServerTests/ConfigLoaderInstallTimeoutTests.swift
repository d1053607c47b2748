import TestSupport
import Testing

@testable import Server

@Suite("ConfigLoader: install timeout")
struct ConfigLoaderInstallTimeoutTests {
    @Test func defaultsToAnHourAndTakesSecondsFromFlagOrFile() throws {
        #expect(ServerConfig().installTimeout == 3600)
        #expect(try loadedConfig(["--install-timeout", "1.5"]).installTimeout == 1.5)
        let directory = try TemporaryDirectory()
        let file = try directory.write("c.json", #"{"installTimeout": "5400"}"#)
        #expect(try loadedConfig(["--config", file]).installTimeout == 5400)
    }

    @Test func refusesWhatIsNoTimeout() {
        #expect(loadFailure(["--install-timeout", "0"]) == "install timeout \"0\" must be a number of seconds between 0 and 604800")
        #expect(loadFailure(["--install-timeout", "soon"]) == "install timeout \"soon\" must be a number of seconds between 0 and 604800")
    }
}
