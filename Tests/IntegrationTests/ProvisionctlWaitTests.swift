import Foundation
import TestSupport
import Testing

/// provisionctl waiting for a long operation (a template rollout, a bulk power cycle) waits in
/// poll(2): Foundation's URLSession, which it used before, kept a core busy the whole wait.
@Suite struct ProvisionctlWaitTests {
    @Test("waiting 5 s for an answer costs provisionctl under a second of CPU (URLSession: about 4)")
    func waitingCostsNoCPU() throws {
        let server = try SlowHTTPServer(delay: 5, body: "{\"machines\":[]}")
        // bash's `time` reports the child's user and system CPU seconds.
        let result = try runTool("bash", ["-c", "TIMEFORMAT='cpu %U %S'; time PROVISION_TOKEN=t-0123456789 \"$0\" --server http://127.0.0.1:\(server.port) list",
                                          Binaries.provisionctl.path])
        #expect(result.status == 0, "\(result.stderr)")
        let seconds = result.stderr.split(separator: "\n").last { $0.hasPrefix("cpu ") }?.split(separator: " ").dropFirst().compactMap { Double($0) }
        #expect(seconds?.count == 2 && (seconds ?? []).reduce(0, +) < 1, "\(result.stderr)")
    }
}
