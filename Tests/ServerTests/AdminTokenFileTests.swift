import Foundation
import Glibc
import TestSupport
import Testing

@testable import Server

@Suite("AdminToken.loadOrCreate")
struct AdminTokenFileTests {
    private let log = Logger(component: "test", minimum: .error)

    @Test("the first call creates the file with mode 0600 holding 64 hex characters")
    func creates() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = directory.file("admin.token")
        let token = try AdminToken.loadOrCreate(path: path, log: log)
        var info = stat()
        try #require(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.count == 64)
        #expect(secret.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(token.authorizes("Bearer \(secret)"))
    }

    @Test("two tokens made in different directories differ")
    func random() throws {
        let one = try TemporaryDirectory(), two = try TemporaryDirectory()
        defer { withExtendedLifetime((one, two)) {} }
        _ = try AdminToken.loadOrCreate(path: one.file("admin.token"), log: log)
        _ = try AdminToken.loadOrCreate(path: two.file("admin.token"), log: log)
        #expect(try String(contentsOfFile: one.file("admin.token"), encoding: .utf8)
            != String(contentsOfFile: two.file("admin.token"), encoding: .utf8))
    }

    @Test("a second call reads the same token back")
    func readsBack() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = directory.file("admin.token")
        _ = try AdminToken.loadOrCreate(path: path, log: log)
        let before = try String(contentsOfFile: path, encoding: .utf8)
        let second = try AdminToken.loadOrCreate(path: path, log: log)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
        #expect(second.authorizes("Bearer " + before.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test("an existing file made by an operator is read, whitespace trimmed")
    func operatorFile() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("admin.token", "  my-own-token-of-24-chars \n\n")
        let token = try AdminToken.loadOrCreate(path: path, log: log)
        #expect(token.authorizes("Bearer my-own-token-of-24-chars"))
        #expect(!token.authorizes("Bearer   my-own-token-of-24-chars "))
    }

    @Test("a token shorter than 16 characters is refused", arguments: ["short\n", "", "123456789012345\n"])
    func tooShort(_ contents: String) throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = try directory.write("admin.token", contents)
        let error = #expect(throws: StartupError.self) { try AdminToken.loadOrCreate(path: path, log: log) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("16") == true)
    }

    @Test("a directory that does not exist is a StartupError naming the path")
    func missingDirectory() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }  // keep the files until the test ends
        let path = directory.file("absent/admin.token")
        let error = #expect(throws: StartupError.self) { try AdminToken.loadOrCreate(path: path, log: log) }
        #expect(error?.description.contains(path) == true)
    }
}
