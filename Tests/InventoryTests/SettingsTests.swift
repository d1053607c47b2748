import TestSupport
import Testing
@testable import Inventory

@Suite("Inventory: settings")
struct SettingsTests {
    @Test("get, set, overwrite, and persist")
    func settings() throws {
        let directory = try TemporaryDirectory()
        do {
            let inventory = try Inventory(path: directory.databasePath)
            #expect(try inventory.setting("dhcp.mode") == nil)
            try inventory.setSetting("dhcp.mode", "proxy")
            #expect(try inventory.setting("dhcp.mode") == "proxy")
            try inventory.setSetting("dhcp.mode", "full")
            #expect(try inventory.setting("dhcp.mode") == "full")
            try inventory.setSetting("empty", "")
            #expect(try inventory.setting("empty") == "")
            try inventory.setSetting("quote", "it's \"fine\"; DROP TABLE settings")
        }
        let inventory = try Inventory(path: directory.databasePath)
        #expect(try inventory.setting("dhcp.mode") == "full")
        #expect(try inventory.setting("empty") == "")
        #expect(try inventory.setting("quote") == "it's \"fine\"; DROP TABLE settings")
        #expect(try rows(directory.databasePath, "SELECT COUNT(*) FROM settings") == [["3"]])
    }
}
