import Boot
import Foundation
import Inventory
import Net
import TestSupport
import Testing
import Wire

@testable import Server

/// Where OriginGuard finds a machine's addresses, and how it records a refusal (DESIGN.md §11).
@Suite("OriginGuard")
struct OriginGuardTests {
    let directory: TemporaryDirectory
    let inventory: Inventory
    let origin: OriginGuard
    let overheard = OverheardAddresses()

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"))
        for sub in ["profiles", "cloud-init"] { try FileManager.default.createDirectory(atPath: directory.file(sub), withIntermediateDirectories: true) }
        try directory.write("cloud-init/static.yaml", """
            version: 2
            ethernets:
              eth0:
                addresses: [{{ machine.labels.static }}/24]
            """)
        try directory.write("profiles/static.json", #"{"networkConfig": "static.yaml"}"#)
        try directory.write("profiles/nat.json", #"{"metadataTrust": "mac"}"#)
        let profiles = try ProfileCatalog.load(directories: [directory.file("profiles")], cloudInitDirectories: [directory.file("cloud-init")])
        origin = OriginGuard(inventory: inventory, profiles: profiles, trust: .address, overheard: overheard,
                             log: Logger(component: "boot", minimum: .error))
    }

    private func peer(_ address: String) throws -> SocketAddress { try SocketAddress("\(address):40000") }

    @Test("a reserved IP, an overheard DHCP request, and the profile's static address each speak for the machine")
    func evidence() throws {
        let mac = try MACAddress("52:54:00:0a:00:01")
        let machine = try inventory.register(mac, MachineSpec(hostname: "a", profile: "static", ip: try IPv4Address("10.0.0.5"),
                                                              labels: ["static": "10.0.0.205"]), source: "t")
        #expect(try origin.verdict(machine, from: peer("10.0.0.5")) == .trusted(AddressEvidence(try IPv4Address("10.0.0.5"), .reservedIP)))
        #expect(try origin.verdict(machine, from: peer("10.0.0.205")) == .trusted(AddressEvidence(try IPv4Address("10.0.0.205"), .configured)))
        overheard.record(try IPv4Address("192.168.1.9"), claimedBy: mac)
        #expect(try origin.verdict(machine, from: peer("192.168.1.9")) == .trusted(AddressEvidence(try IPv4Address("192.168.1.9"), .dhcpRequest)))
        guard case .refused(let reason) = try origin.verdict(machine, from: peer("10.0.0.66")) else { Issue.record("a stranger was trusted"); return }
        #expect(reason.contains("reserved IP 10.0.0.5") && reason.contains("configured address 10.0.0.205") && reason.contains("DHCP request 192.168.1.9"))
    }

    @Test("a profile with metadataTrust mac trusts any address")
    func profileTrust() throws {
        let machine = try inventory.register(try MACAddress("52:54:00:0a:00:02"), MachineSpec(hostname: "b", profile: "nat"), source: "t")
        #expect(try origin.verdict(machine, from: peer("203.0.113.7")) == .trusted(nil))
    }

    @Test("refusals are recorded once a minute per machine, with the 403")
    func throttled() throws {
        let machine = try inventory.register(try MACAddress("52:54:00:0a:00:03"), MachineSpec(hostname: "c", profile: "static"), source: "t")
        for _ in 1...5 { #expect(try origin.refusal(machine, from: peer("10.0.0.66"), what: "user-data")?.status == 403) }
        #expect(try inventory.events(machine.mac).filter { $0.event == "user-data-refused" }.count == 1)
        try origin.recordRefusal(machine.mac, what: "user-data", reason: "later", now: Timestamp.unixNow() + OriginGuard.refusalInterval)
        #expect(try inventory.events(machine.mac).filter { $0.event == "user-data-refused" }.count == 2)
    }
}
