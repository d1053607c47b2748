import TestSupport
import Testing

@testable import Server

@Suite("ConfigLoader: --config file")
struct ConfigLoaderFileTests {
    @Test("the file's keys are applied")
    func keysApplied() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", """
            {"dataDir": "/srv/data", "httpListen": "0.0.0.0:80", "adminListen": "127.0.0.1:9999", "logLevel": "warn"}
            """)
        let config = try loadedConfig(["--config", path])
        #expect(config.dataDir == "/srv/data")
        #expect(config.httpListen == "0.0.0.0:80")
        #expect(config.adminListen == "127.0.0.1:9999")
        #expect(config.logLevel == .warning)
    }

    @Test("keys the file leaves out keep their defaults")
    func partialFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", #"{"dataDir": "/srv/data"}"#)
        let config = try loadedConfig(["--config=\(path)"])
        var expected = ServerConfig()
        expected.dataDir = "/srv/data"
        #expect(config == expected)
    }

    @Test("flags win over the file, wherever --config stands")
    func flagsWin() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", #"{"dataDir": "/from-file", "logLevel": "error"}"#)
        let after = try loadedConfig(["--config", path, "--data-dir", "/from-flag"])
        #expect(after.dataDir == "/from-flag")
        #expect(after.logLevel == .error)
        let before = try loadedConfig(["--data-dir", "/from-flag", "--config", path])
        #expect(before.dataDir == "/from-flag")
    }

    @Test("an unknown key is an error naming the key")
    func unknownKey() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", #"{"dataDir": "/x", "data_dir": "/y"}"#)
        let message = loadFailure(["--config", path])
        #expect(message.contains("\"data_dir\""))
        #expect(message.contains(path))
    }

    @Test("a value that is not a string is an error naming the key and its type", arguments: [
        (#"{"httpListen": 8080}"#, "number"), (#"{"logLevel": null}"#, "null"), (#"{"dataDir": ["/x"]}"#, "array"),
    ])
    func nonStringValue(_ document: String, _ typeName: String) throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", document)
        let message = loadFailure(["--config", path])
        #expect(message.contains(typeName))
        let key = try #require(document.split(separator: "\"").dropFirst().first)
        #expect(message.contains("\"\(key)\""))
    }

    @Test("malformed JSON is an error naming the file", arguments: ["{", #"{"dataDir": "/x",}"#, "", "dataDir=/x"])
    func malformed(_ document: String) throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", document)
        let message = loadFailure(["--config", path])
        #expect(message.contains(path))
        #expect(message.contains("invalid JSON"))
    }

    @Test("a top level other than an object is an error")
    func notAnObject() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", #"["dataDir"]"#)
        #expect(loadFailure(["--config", path]).contains("object"))
    }

    @Test("a missing file is an error naming it")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = directory.file("absent.json")
        #expect(loadFailure(["--config", path]).contains(path))
    }

    @Test("a bad log level in the file is an error")
    func badLevelInFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("config.json", #"{"logLevel": "loud"}"#)
        #expect(loadFailure(["--config", path]).contains("\"loud\""))
    }
}
