import Foundation
import TestSupport
import Testing
import Wire

/// The admin API as curl sees it: auth, conflicts, validation, status codes.
@Suite(.timeLimit(.minutes(5))) struct AdminAPICurlTests {
    @Test func authConflictsAndValidation() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)

        // No token, wrong token, wrong scheme: 401. /healthz needs none.
        let anonymous = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", server.adminURL + "/api/v1/machines"])
        #expect(anonymous.stdout == "401")
        #expect(try server.curl("GET", "/api/v1/machines", token: "wrong").0 == 401)
        let basic = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "admin:\(server.token)", server.adminURL + "/api/v1/machines"])
        #expect(basic.stdout == "401")
        let health = try runTool("curl", ["-s", server.adminURL + "/healthz"])
        #expect(try JSONParser.parse(health.stdout)["status"] == .string("ok"))

        let body = #"{"mac":"52:54:00:00:00:01","hostname":"alpha","profile":"ubuntu-24.04","ip":"10.77.0.20"}"#
        let (created, createdBody) = try server.curl("POST", "/api/v1/machines", body: body)
        #expect(created == 201, "\(createdBody)")
        #expect(!createdBody.contains("installToken") && !createdBody.contains("install_token"))

        // Conflicts: the same MAC in another form, the same hostname in other case, the same IP.
        let duplicateMAC = try server.curl("POST", "/api/v1/machines", body: #"{"mac":"5254.0000.0001","hostname":"beta","profile":"p"}"#)
        #expect(duplicateMAC.0 == 409)
        #expect(try JSONParser.parse(duplicateMAC.1)["error"]?.stringValue?.contains("already registered") == true)
        #expect(try server.curl("POST", "/api/v1/machines", body: #"{"mac":"52:54:00:00:00:02","hostname":"ALPHA","profile":"p"}"#).0 == 409)
        #expect(try server.curl("POST", "/api/v1/machines", body: #"{"mac":"52:54:00:00:00:03","hostname":"gamma","profile":"p","ip":"10.77.0.20"}"#).0 == 409)
        // A refused transition.
        let refused = try server.curl("POST", "/api/v1/machines/52:54:00:00:00:01/reimage")
        #expect(refused.0 == 409)

        // Validation: 400 with a message that names the problem.
        let cases: [(String, String, String)] = [
            (#"{"mac":"zz","hostname":"d","profile":"p"}"#, "invalid MAC address \"zz\"", "bad MAC"),
            (#"{"mac":"01:00:5e:00:00:01","hostname":"d","profile":"p"}"#, "not a unicast", "multicast MAC"),
            (#"{"mac":"52:54:00:00:00:09","hostname":"-bad","profile":"p"}"#, "invalid hostname", "bad hostname"),
            (#"{"mac":"52:54:00:00:00:09","hostname":"d","profile":"p","colour":"red"}"#, "unknown field \"colour\"", "unknown field"),
            (#"{"mac":"52:54:00:00:00:09","hostname":"d","profile":7}"#, "must be a string", "wrong type"),
            (#"{"mac":"52:54:00:00:00:09","hostname":"d","profile":"p","ip":"10.0.0.256"}"#, "invalid IPv4 address", "bad IP"),
            (#"{"mac":"52:54:00:00:00:09","#, "invalid JSON", "truncated JSON"),
            (#"[1,2]"#, "must be a JSON object", "not an object"),
        ]
        for (payload, expected, label) in cases {
            let (status, answer) = try server.curl("POST", "/api/v1/machines", body: payload)
            #expect(status == 400, "\(label): \(answer)")
            let message = try JSONParser.parse(answer)["error"]?.stringValue ?? ""
            #expect(message.contains(expected), "\(label): \(message)")
        }
        #expect(try server.curl("GET", "/api/v1/machines/nonsense").0 == 400)
        #expect(try server.curl("GET", "/api/v1/machines/52:54:00:00:00:99").0 == 404)
        #expect(try server.curl("PUT", "/api/v1/machines").0 == 405)
        #expect(try server.curl("GET", "/api/v1/nothing").0 == 404)

        // Nothing was written by the refused requests.
        let (_, list) = try server.curl("GET", "/api/v1/machines")
        #expect(try JSONParser.parse(list)["machines"]?.arrayValue?.count == 1)
        server.stop()
    }

    @Test func requestLimitsKeepAliveAndTimeouts() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path, extraArguments: ["--idle-timeout", "1"])

        // Header section over 16 KiB: 431. Body over 1 MiB: 413.
        let bigHeader = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "X-Big: " + String(repeating: "a", count: 20_000),
                                             server.adminURL + "/healthz"])
        #expect(bigHeader.stdout == "431")
        let bodyFile = dir.path + "/big.json"
        try Data(repeating: 0x20, count: 2 << 20).write(to: URL(fileURLWithPath: bodyFile))
        let bigBody = try runTool("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(server.token)",
                                           "--data-binary", "@" + bodyFile, server.adminURL + "/api/v1/machines"])
        #expect(bigBody.stdout == "413")

        // curl reuses one connection for several URLs (keep-alive).
        let reused = try runTool("curl", ["-sv", "-o", "/dev/null", "-o", "/dev/null", server.adminURL + "/healthz", server.adminURL + "/healthz"])
        #expect(reused.stderr.contains("Re-using existing connection"), "\(reused.stderr)")

        // Two pipelined requests in one write: two answers in order on one connection.
        let pipelined = try RawHTTPClient(port: server.adminPort)
        try pipelined.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/machines HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try pipelined.readResponse()?.status == 200)
        #expect(try pipelined.readResponse()?.status == 401)

        // Garbage: 400 and the connection is closed.
        let garbage = try RawHTTPClient(port: server.adminPort)
        try garbage.send("NOT A REQUEST\r\n\r\n")
        #expect(try garbage.readResponse()?.status == 400)
        #expect(try garbage.isClosedByServer())
        // HTTP/1.1 without Host: 400.
        let hostless = try RawHTTPClient(port: server.adminPort)
        try hostless.send("GET /healthz HTTP/1.1\r\n\r\n")
        #expect(try hostless.readResponse()?.status == 400)

        // A request stalled half-way gets 408 after the idle timeout; an idle connection is closed.
        let stalled = try RawHTTPClient(port: server.adminPort)
        try stalled.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let timedOut = try stalled.readResponse()
        #expect(timedOut?.status == 408)
        let idle = try RawHTTPClient(port: server.adminPort)
        #expect(try idle.isClosedByServer())

        // The server is still fine.
        let health = try RawHTTPClient(port: server.adminPort)
        try health.send("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(try health.readResponse()?.status == 200)
        #expect(try health.isClosedByServer(), "HTTP/1.0 without keep-alive closes")
        server.stop()
    }

    @Test func manyConcurrentConnections() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try ServerProcess(dataDir: dir.path)
        let port = server.adminPort
        let token = server.token
        let failures = Counter()
        // 200 connections open at once, each registering 5 machines over keep-alive.
        let clients = try (0..<200).map { _ in try RawHTTPClient(port: port) }
        DispatchQueue.concurrentPerform(iterations: clients.count) { index in
            do {
                for request in 0..<5 {
                    let number = index * 5 + request
                    let mac = String(format: "52:54:01:00:%02x:%02x", number >> 8, number & 0xFF)
                    let body = #"{"mac":"\#(mac)","hostname":"n\#(number)","profile":"p"}"#
                    try clients[index].send("POST /api/v1/machines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                    if try clients[index].readResponse()?.status != 201 { failures.add() }
                }
            } catch {
                failures.add()
            }
        }
        #expect(failures.value == 0)
        let (_, list) = try server.curl("GET", "/api/v1/machines")
        #expect(try JSONParser.parse(list)["machines"]?.arrayValue?.count == 1000)
        server.stop()
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
