import Foundation
import Glibc
import Proxmox
import TestSupport

/// A CA and a server certificate for 127.0.0.1 made with openssl, for fakepve's TLS.
struct TestPKI {
    let caFile: String
    let certFile: String
    let keyFile: String

    init(in directory: String) throws {
        caFile = directory + "/ca.pem"
        certFile = directory + "/server.pem"
        keyFile = directory + "/server.key"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let extensions = directory + "/server.ext"
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        for arguments in [
            ["req", "-x509"] + ec + ["-keyout", directory + "/ca.key", "-out", caFile, "-days", "2", "-subj", "/CN=provisiond test CA",
                                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["req"] + ec + ["-keyout", keyFile, "-out", directory + "/server.csr", "-subj", "/CN=pve1"],
            ["x509", "-req", "-in", directory + "/server.csr", "-CA", caFile, "-CAkey", directory + "/ca.key", "-CAcreateserial",
             "-out", certFile, "-days", "2", "-extfile", extensions],
        ] {
            let result = try runTool("openssl", arguments)
            guard result.status == 0 else { throw TestFailure("openssl \(arguments[0]) failed: \(result.stderr)") }
        }
    }

    /// The server certificate's SHA-256 fingerprint as `AB:CD:...`, as openssl computes it.
    func serverFingerprint() throws -> String {
        let result = try runTool("openssl", ["x509", "-noout", "-fingerprint", "-sha256", "-in", certFile])
        guard let value = result.stdout.split(separator: "=", maxSplits: 1).last else { throw TestFailure("no fingerprint: \(result.stderr)") }
        return value.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// fakepve (PyPI, a third-party fake of the PVE 9 API) on a free port of 127.0.0.1 with two nodes,
/// pve1 and pve2, tasks finishing at once (`--time-scale 0`), storage `local` taking imports, the
/// API token `root@pam!provisiond`, and the test's certificate. With a `responseDelay` (real
/// seconds added to every answer, fakepve's `--latency`), time runs at 1/100 so that tasks take
/// a little time too. It must be installed: scripts/test
/// makes `.venv` (or `$PROVISIOND_VENV`); without it the test fails.
final class FakePVE: @unchecked Sendable {
    static let tokenID = "root@pam!provisiond"
    static let tokenSecret = "0f4c8a52-5b6e-4c1c-9d7e-000000000001"
    static let password = "secret"

    struct Fault {
        var method: String
        var suffix: String
        var error: String?
        var status: Int?
        var message: String?
        var times: Int?
    }

    let process = Process()
    let port: UInt16
    let pki: TestPKI
    /// Read all along (a pipe nobody reads fills up and stops fakepve mid-request).
    private let output = ChildOutput()

    var url: String { "https://127.0.0.1:\(port)" }

    /// `slowStart`: guest 100's start task takes 5 real seconds (50 PVE seconds at time scale 0.1).
    init(directory: String, faults: [Fault] = [], responseDelay: Double = 0, slowStart: Bool = false) throws {
        _ = try Venv.tool("fakepve")
        let python = try Venv.tool("python").path
        pki = try TestPKI(in: directory + "/pki")
        let startSeconds = slowStart ? #", "start_secs": 50"# : ""
        let guests = #"{"guests": [{"vmid": 100, "name": "other1", "node": "pve1"\#(startSeconds)}, {"vmid": 101, "name": "other2", "node": "pve2"}]}"#
        try guests.write(toFile: directory + "/guests.json", atomically: true, encoding: .utf8)
        let faultList = faults.map { fault -> String in
            var members = ["\"method\": \"\(fault.method)\"", "\"suffix\": \"\(fault.suffix)\""]
            if let error = fault.error { members.append("\"error\": \"\(error)\"") }
            if let status = fault.status { members.append("\"status\": \(status)") }
            if let message = fault.message { members.append("\"message\": \"\(message)\"") }
            if let times = fault.times { members.append("\"times\": \(times)") }
            return "{" + members.joined(separator: ", ") + "}"
        }
        let setup = """
            {"tokens": {"\(Self.tokenID)": "\(Self.tokenSecret)"}, "content": {"local": "iso,vztmpl,backup,import"},
             "faults": [\(faultList.joined(separator: ", "))]}
            """
        try setup.write(toFile: directory + "/setup.json", atomically: true, encoding: .utf8)
        port = try Self.freePort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fakepve_setup.py").path
        process.executableURL = URL(fileURLWithPath: python)
        // fakepve's --latency is in PVE seconds, scaled by --time-scale.
        let timing = responseDelay > 0 ? ["--time-scale", "0.01", "--latency", String(responseDelay * 100)]
            : slowStart ? ["--time-scale", "0.1"] : ["--time-scale", "0"]
        process.arguments = [script, directory + "/guests.json", "--host", "127.0.0.1", "--port", String(port),
                             "--password", Self.password, "--cert", pki.certFile, "--key", pki.keyFile] + timing
        process.environment = ["FAKEPVE_SETUP": directory + "/setup.json", "PATH": "/usr/bin:/bin"]
        process.standardOutput = output.pipe
        process.standardError = output.pipe
        process.standardInput = FileHandle.nullDevice
        try process.runWithSignalsUnblocked()
        output.startReading()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if try runTool("curl", ["-s", "-o", "/dev/null", "--cacert", pki.caFile, url + "/api2/json/version"]).status == 0 { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        stop()
        output.waitForEOF(seconds: 10)
        throw TestFailure("fakepve did not start: \(output.text)")
    }

    deinit { stop() }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = try? process.reap(seconds: 10)
    }

    /// A client of the library under test with the token and the CA.
    func client() throws -> ProxmoxClient {
        try ProxmoxClient.connect(try ProxmoxEndpoint(name: "fake", url: url, credentials: .token(id: Self.tokenID, secret: Self.tokenSecret),
                                                      trust: .caFile(pki.caFile)))
    }

    /// A port nobody listens on now: bind port 0, read it, close.
    static func freePort() throws -> UInt16 {
        let socket = try LoopbackSocket()
        close(socket.fd)
        return socket.port
    }
}
