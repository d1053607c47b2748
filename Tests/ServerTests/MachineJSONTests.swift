import Inventory
import Testing
import Wire

@testable import Server

@Suite("MachineJSON")
struct MachineJSONTests {
    @Test("a machine has exactly the documented members, in order, without its install token")
    func machineKeys() throws {
        let fixture = try AdminFixture()
        _ = try fixture.inventory.createCluster(ClusterSpec(name: "k3s", kind: .k3s), source: "test")
        let spec = MachineSpec(hostname: "n1", profile: "debian", role: "agent", cluster: "k3s", ip: try IPv4Address("10.0.0.7"),
                               labels: ["zone": "b", "rack": "r1"], nics: [try MACAddress("aa:bb:cc:dd:ee:62")])
        let machine = try fixture.inventory.register(try MACAddress("aa:bb:cc:dd:ee:61"), spec, source: "test")
        let text = MachineJSON.machine(machine).encoded()
        let value = try JSONParser.parse(text)
        let keys = try #require(value.objectValue).map(\.0)
        #expect(keys == ["mac", "hostname", "profile", "role", "cluster", "ip", "state", "instanceId", "labels", "nics",
                         "createdAt", "updatedAt", "seen"])
        #expect(value["seen"] == .null)
        #expect(value["mac"] == .string("aa:bb:cc:dd:ee:61"))
        #expect(value["ip"] == .string("10.0.0.7"))
        #expect(value["state"] == .string("registered"))
        #expect(value["instanceId"] == .string(machine.instanceID))
        #expect(value["labels"] == .object([("rack", .string("r1")), ("zone", .string("b"))]))
        #expect(value["nics"] == .array([.string("aa:bb:cc:dd:ee:62")]))
        #expect(value["createdAt"] == .string(machine.createdAt))
        #expect(!text.contains(machine.installToken))
    }

    @Test("a discovered machine's unset fields are null")
    func nulls() throws {
        let fixture = try AdminFixture()
        let machine = try fixture.inventory.discover(try MACAddress("aa:bb:cc:dd:ee:63"), source: "dhcp", detail: "")
        let value = try JSONParser.parse(MachineJSON.machine(machine).encoded())
        for key in ["hostname", "profile", "role", "cluster", "ip"] { #expect(value[key] == .null, "\(key)") }
        #expect(value["labels"] == .object([]))
        #expect(value["nics"] == .array([]))
        #expect(value["state"] == .string("discovered"))
    }

    @Test("an event has its members; a first event's from is null")
    func event() throws {
        let fixture = try AdminFixture()
        let mac = try MACAddress("aa:bb:cc:dd:ee:64")
        _ = try fixture.inventory.register(mac, MachineSpec(hostname: "e", profile: "debian"), source: "cli")
        let first = try #require(try fixture.inventory.events(mac).first)
        let value = try JSONParser.parse(MachineJSON.event(first).encoded())
        #expect(try #require(value.objectValue).map(\.0) == ["id", "at", "event", "from", "to", "source", "detail"])
        #expect(value["id"]?.intValue == Int(first.id))
        #expect(value["event"] == .string("register"))
        #expect(value["from"] == .null)
        #expect(value["to"] == .string("registered"))
        #expect(value["source"] == .string("cli"))
        #expect(value["detail"] == .string(first.detail))
    }
}
