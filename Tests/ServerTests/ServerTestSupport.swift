import Foundation
import Inventory
import Net
import TestSupport
import Testing
import Wire

@testable import Server


/// An AdminAPI (with its Proxmox and power routes) over a fresh inventory in a temporary directory, and
/// request helpers.
final class AdminFixture: @unchecked Sendable {
    static let secret = "test-secret-0123456789abcdef"

    let directory: TemporaryDirectory
    let inventory: Inventory
    let api: AdminAPI

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"))
        let proxmox = ProxmoxAPI(inventory: inventory, dataDir: directory.path, serverURL: "http://10.0.0.1:8080",
                                 log: Logger(component: "proxmox", minimum: .error))
        var api = AdminAPI(inventory: inventory, token: AdminToken(secret: Self.secret), proxmox: proxmox)
        let log = Logger(component: "power", minimum: .error)
        let drivers = PowerDrivers(inventory: inventory, proxmox: proxmox.connections, directory: directory.path + "/power", requestTimeout: 5)
        api.power = PowerAPI(inventory: inventory, service: PowerService(inventory: inventory, drivers: drivers, log: log), log: log)
        self.api = api
    }

    /// Sends a request with the right bearer token unless `authorization` says otherwise.
    func send(_ method: String, _ target: String, body: String? = nil,
              authorization: String? = "Bearer \(AdminFixture.secret)") throws -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let authorization { headers.add("Authorization", authorization) }
        if body != nil { headers.add("Content-Type", "application/json") }
        let request = try HTTPRequest(method: method, target: target, headers: headers, body: Array((body ?? "").utf8))
        let context = RequestContext(peer: try SocketAddress("127.0.0.1:1234"), local: try SocketAddress("127.0.0.1:8081"))
        return api.handle(request, context)
    }

    /// Registers a machine through the API and requires a 201.
    @discardableResult
    func register(_ mac: String, hostname: String, profile: String = "debian", extra: String = "") throws -> JSONValue {
        let response = try send("POST", "/api/v1/machines",
                                body: #"{"mac":"\#(mac)","hostname":"\#(hostname)","profile":"\#(profile)"\#(extra)}"#)
        try #require(response.status == 201, "register \(mac) answered \(response.status): \(response.text)")
        return try response.json()
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> JSONValue { try JSONParser.parse(body) }

    /// The `error` member of a JSON error body.
    func errorMessage() throws -> String {
        try #require(try json()["error"]?.stringValue, "no error message in \(text)")
    }
}

/// The configuration `ConfigLoader` makes of `arguments`, recording an issue if it is not `.run`.
func loadedConfig(_ arguments: [String]) throws -> ServerConfig {
    guard case .run(let config) = try ConfigLoader.load(arguments: arguments) else {
        Issue.record("expected .run for \(arguments)")
        return ServerConfig()
    }
    return config
}

/// The message of the StartupError `ConfigLoader` throws for `arguments` ("" if none).
func loadFailure(_ arguments: [String]) -> String {
    #expect(throws: StartupError.self) { try ConfigLoader.load(arguments: arguments) }?.description ?? ""
}

/// Runs a program to its end with `input` on stdin; returns its status and stdout (with stderr
/// when `mergingErrors`).
func runProgram(_ path: String, _ arguments: [String], input: String = "", mergingErrors: Bool = false) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let stdin = Pipe(), stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    if mergingErrors { process.standardError = stdout }
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output)
}
