import Foundation
import TestSupport

@testable import ProvisionCLI


/// A server address nothing listens on: if a test that must not reach the network tried to, it
/// would fail with "cannot reach" instead of its expected error.
let unreachableServer = "http://127.0.0.1:1"

/// A CLI whose environment holds a token and no server, so nothing depends on the caller's.
func cli(token: String? = "test-token-0123456789") -> ProvisionCLI {
    var environment: [String: String] = [:]
    if let token { environment["PROVISION_TOKEN"] = token }
    return ProvisionCLI(environment: environment)
}
