import Foundation
import Glibc
import Inventory
import Power
import TestSupport
import Testing
import Wire

@testable import Server

/// `/api/v1/machines/{mac}/power` and `/api/v1/power/...` without a BMC: settings refused before
/// they are stored, the password never answered, routing; and an operation whose BMC does not
/// answer is answered within its bound while it goes on to its event.
@Suite("AdminAPI: power")
struct PowerAPITests {
    static let mac = "52:54:00:00:17:01"
    static let password = "bmc-password-5e1f"

    @Test("bad settings are refused naming what is wrong, and nothing is stored", arguments: [
        (#"{"address":"https://bmc"}"#, "missing field \"driver\""),
        (#"{"driver":"ilo","address":"https://bmc"}"#, "unknown power driver \"ilo\" (redfish, ipmi, proxmox)"),
        (#"{"driver":"redfish","address":"http://bmc","user":"u","password":"p"}"#, "bad Redfish URL \"http://bmc\""),
        (#"{"driver":"redfish","address":"https://bmc/redfish/v1/Managers/1","user":"u","password":"p"}"#, "bad Redfish system path"),
        (#"{"driver":"redfish","address":"https://bmc","user":"u"}"#, "the Redfish password is empty"),
        (#"{"driver":"redfish","address":"https://bmc","user":"u","password":"p","fingerprint":"AB:CD"}"#, "bad fingerprint"),
        (#"{"driver":"redfish","address":"https://bmc","user":"u","password":"p","ca_pem":"x"}"#, "holds no PEM certificate"),
        (#"{"driver":"redfish","address":"https://bmc","user":"u","password":"p","cipher_suite":3}"#, "cipher_suite is not a redfish setting"),
        (#"{"driver":"ipmi","address":"-H","user":"u","password":"p"}"#, "bad IPMI host \"-H\""),
        (#"{"driver":"ipmi","address":"bmc","user":"u","password":"p","port":0}"#, "bad IPMI port 0"),
        (#"{"driver":"ipmi","address":"bmc","user":"u","password":"p","cipher_suite":99}"#, "bad IPMI cipher suite 99"),
        (#"{"driver":"ipmi","address":"bmc","user":"u","password":"123456789012345678901"}"#, "at most 20 bytes"),
        (#"{"driver":"ipmi","address":"bmc","user":"u"}"#, "an IPMI BMC needs a password"),
        (#"{"driver":"ipmi","address":"bmc","user":"u","password":"p","ca_pem":"x"}"#, "ca_pem is not a ipmi setting"),
        (#"{"driver":"proxmox","address":"lab","user":"u"}"#, "user is not a proxmox setting"),
        (#"{"driver":"proxmox","address":"lab"}"#, "no VM of 52:54:00:00:17:01 is recorded under the Proxmox endpoint lab"),
    ])
    func refused(_ body: String, _ message: String) throws {
        let fixture = try AdminFixture()
        try fixture.register(Self.mac, hostname: "n1")
        let response = try fixture.send("PUT", "/api/v1/machines/\(Self.mac)/power", body: body)
        #expect(response.status == 400, "\(response.text)")
        #expect(try response.errorMessage().contains(message), "\(response.text)")
        #expect(try fixture.inventory.powerSettings(try MACAddress(Self.mac)) == nil)
    }

    @Test("settings are answered without the password; operations and bulk are routed")
    func settingsAndRouting() throws {
        let fixture = try AdminFixture()
        try fixture.register(Self.mac, hostname: "n1")
        let path = "/api/v1/machines/\(Self.mac)/power"
        #expect(try fixture.send("GET", path).status == 404)
        #expect(try fixture.send("POST", path + "/on").status == 404, "no settings, no operation")
        let set = try fixture.send("PUT", path, body: #"{"driver":"ipmi","address":"bmc.lab","port":6230,"user":"admin","password":"\#(Self.password)","cipher_suite":17}"#)
        #expect(set.status == 200 && !set.text.contains(Self.password), "\(set.text)")
        let shown = try fixture.send("GET", "/api/v1/machines/5254.0000.1701/power")
        #expect(shown.status == 200 && !shown.text.contains(Self.password))
        let json = try shown.json()
        #expect(json["has_password"] == .bool(true) && json["port"] == .int(6230) && json["cipher_suite"] == .int(17) && json["trust"] == .null)
        #expect(try fixture.inventory.powerSettings(try MACAddress(Self.mac))?.password == Self.password, "kept inside")

        #expect(try fixture.send("POST", path + "/reboot").status == 404)
        #expect(try fixture.send("GET", path + "/on").status == 405)
        #expect(try fixture.send("POST", path).status == 405)
        #expect(try fixture.send("POST", "/api/v1/power/on", body: "{}").status == 400, "bulk needs a selection")
        #expect(try fixture.send("GET", "/api/v1/power/on").status == 405)
        let none = try fixture.send("POST", "/api/v1/power/status", body: #"{"labels":{"rack":"nowhere"}}"#)
        let counts = try none.json()
        #expect(none.status == 200 && counts["ok"] == .int(0) && counts["failed"] == .int(0), "\(none.text)")

        #expect(try fixture.send("DELETE", path).status == 204)
        #expect(try fixture.send("DELETE", path).status == 404)
    }

    /// A BMC that accepts the connection and never answers: the caller gets its answer (nil:
    /// still running) at the bound, and the operation's failure becomes its event when curl's
    /// own time limit ends it.
    @Test("an operation past its bound is answered, then recorded when it ends")
    func boundedWait() throws {
        let fixture = try AdminFixture()
        try fixture.register(Self.mac, hostname: "n1")
        let silent = try SilentListener()
        let mac = try MACAddress(Self.mac)
        try fixture.inventory.setPowerSettings(PowerSettingsRecord(mac: Self.mac, driver: .redfish, address: "https://127.0.0.1:\(silent.port)",
                                                                   username: "admin", password: Self.password))
        let drivers = PowerDrivers(inventory: fixture.inventory, proxmox: nil, directory: fixture.directory.path + "/power", requestTimeout: 2)
        let service = PowerService(inventory: fixture.inventory, drivers: drivers, answerWithin: 0.2, log: Logger(component: "power", minimum: .error))
        #expect(try service.perform(.on, on: mac, source: "test") == nil)
        try poll("the power-on event", seconds: 30, every: 0.05) {
            try fixture.inventory.events(mac).contains { $0.event == "power-on" }
        }
        let event = try #require(try fixture.inventory.events(mac).last)
        #expect(event.detail.hasPrefix("failed: cannot reach the BMC") && event.source == "test" && !event.detail.contains(Self.password),
                "\(event.detail)")
    }
}

/// A TCP port that takes connections (the kernel completes the handshake into the backlog) and
/// never says a word.
private final class SilentListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let socket = try LoopbackSocket()
        (fd, port) = (socket.fd, socket.port)
        try #require(listen(fd, 16) == 0, "cannot listen on 127.0.0.1:\(port): errno \(errno)")
    }

    deinit { close(fd) }
}
