import TestSupport
import Testing
@testable import Inventory

@Suite("Inventory: power settings")
struct PowerSettingsTests {
    @Test("set, replace, read by any NIC, delete, and cascade with the machine")
    func roundTrip() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        let mac = testMAC(1), nic = testMAC(2)
        _ = try inventory.register(mac, spec("node1", nics: [nic]), source: "test")
        #expect(try inventory.powerSettings(mac) == nil)

        let redfish = try inventory.setPowerSettings(PowerSettingsRecord(
            mac: nic.description.uppercased(), driver: .redfish, address: "https://10.0.0.9/redfish/v1/Systems/1", username: "admin",
            password: "s3cret", caPEM: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"))
        #expect(redfish.mac == mac.description && !redfish.updatedAt.isEmpty)
        #expect(try inventory.powerSettings(nic) == redfish)

        let ipmi = PowerSettingsRecord(mac: mac.description, driver: .ipmi, address: "10.0.0.10", port: 6230, username: "root",
                                       password: "calvin", cipherSuite: 17)
        try inventory.setPowerSettings(ipmi)
        let stored = try #require(try inventory.powerSettings(mac))
        #expect(stored.driver == .ipmi && stored.port == 6230 && stored.cipherSuite == 17 && stored.caPEM == nil && stored.password == "calvin")
        #expect(try inventory.allPowerSettings() == [stored])

        #expect(try inventory.deletePowerSettings(mac))
        #expect(try !inventory.deletePowerSettings(mac))
        #expect(try inventory.powerSettings(mac) == nil)

        try inventory.setPowerSettings(PowerSettingsRecord(mac: mac.description, driver: .proxmox, address: "pve"))
        try inventory.delete(mac)
        #expect(try rows(directory.databasePath, "SELECT COUNT(*) FROM machine_power") == [["0"]])
    }

    @Test("unknown machines and bad MACs are refused")
    func refusals() throws {
        let directory = try TemporaryDirectory()
        let inventory = try Inventory(path: directory.databasePath)
        let unknown = inventoryError { () throws(InventoryError) in
            try inventory.setPowerSettings(PowerSettingsRecord(mac: testMAC(9).description, driver: .ipmi, address: "h"))
        }
        #expect(unknown == .notFound(testMAC(9)))
        let bad = inventoryError { () throws(InventoryError) in try inventory.setPowerSettings(PowerSettingsRecord(mac: "nope", driver: .ipmi, address: "h")) }
        #expect(bad?.invalidMessage == "bad MAC \"nope\"")
        let unread = inventoryError { () throws(InventoryError) in try inventory.powerSettings(testMAC(9)) }
        #expect(unread == .notFound(testMAC(9)))
    }
}
