import Foundation

@testable import ProvisionCLI

/// A directory under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "provisionctl-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let target = path + "/" + name
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A server address nothing listens on: if a test that must not reach the network tried to, it
/// would fail with "cannot reach" instead of its expected error.
let unreachableServer = "http://127.0.0.1:1"

/// A CLI whose environment holds a token and no server, so nothing depends on the caller's.
func cli(token: String? = "test-token-0123456789") -> ProvisionCLI {
    var environment: [String: String] = [:]
    if let token { environment["PROVISION_TOKEN"] = token }
    return ProvisionCLI(environment: environment)
}
