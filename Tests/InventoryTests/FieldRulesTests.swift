import Testing
@testable import Inventory

@Suite("Field rules")
struct FieldRulesTests {
    @Test("valid hostnames come back lowercased", arguments: [
        ("node1", "node1"), ("Node-1", "node-1"), ("K3S-SERVER-01.lab.example", "k3s-server-01.lab.example"),
        ("a", "a"), ("1", "1"), (String(repeating: "a", count: 63), String(repeating: "a", count: 63)),
    ])
    func validHostnames(_ input: String, _ expected: String) throws {
        #expect(try FieldRules.hostname(input) == expected)
    }

    @Test("invalid hostnames are refused and named", arguments: [
        "", "-node", "node-", "no_de", "no de", "node.", ".node", "a..b", "nöde", "node/1",
        String(repeating: "a", count: 64),
        Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."),  // 255 bytes
    ])
    func invalidHostnames(_ input: String) {
        let error = inventoryError { () throws(InventoryError) in try FieldRules.hostname(input) }
        #expect(error?.invalidMessage?.contains("\"\(input)\"") == true)
    }

    @Test("names of profiles, roles and clusters", arguments: [
        ("ubuntu-24.04", true), ("k3s_server", true), ("0day", true), ("a", true),
        ("", false), ("-x", false), (".x", false), ("Ubuntu", false), ("a b", false), ("a/b", false),
        (String(repeating: "x", count: 63), true), (String(repeating: "x", count: 64), false),
    ])
    func names(_ input: String, _ valid: Bool) {
        do {
            #expect(try FieldRules.name(input, field: "profile") == input)
            #expect(valid, "accepted \(input)")
        } catch {
            #expect(!valid, "refused \(input)")
            #expect(error.description.contains("profile"))
        }
    }

    @Test("labels")
    func labels() throws {
        let good = ["topology.kubernetes.io/zone": "rack-1", "GPU": "yes", "empty": ""]
        #expect(try FieldRules.labels(good) == good)
        for bad in [["": "x"], ["a b": "x"], ["k": "line\nbreak"], ["k": String(repeating: "v", count: 254)], ["k=v": "x"]] {
            #expect(throws: InventoryError.self) { try FieldRules.labels(bad) }
        }
    }
}
