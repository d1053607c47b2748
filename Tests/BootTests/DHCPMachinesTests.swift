import Boot
import Model
import Testing
import Wire

@Suite("DHCPMachines: the inventory as DHCP sees it, in memory") struct DHCPMachinesTests {
    typealias F = DHCPFixture

    static func machine(_ mac: MACAddress, _ state: MachineState, ip: String? = nil, nics: [MACAddress] = []) -> Machine {
        Machine(mac: mac, hostname: "h", profile: "p", role: nil, cluster: nil, ip: ip.map(F.ip), state: state, instanceID: "i",
                installToken: "t", labels: [:], nics: nics, createdAt: "", updatedAt: "")
    }

    @Test("a machine answers to its primary MAC and its NICs; its reserved address names the primary MAC")
    func lookups() {
        let table = DHCPMachines([Self.machine(F.macA, .registered, ip: "10.77.0.50", nics: [F.macB])])
        let expected = KnownMachine(state: .registered, reservedAddress: F.ip("10.77.0.50"))
        #expect(table.machine(F.macA) == expected)
        #expect(table.machine(F.macB) == expected)
        #expect(table.machine(F.macC) == nil)
        #expect(table.holder(of: F.ip("10.77.0.50")) == F.macA)
        #expect(table.holder(of: F.ip("10.77.0.51")) == nil)
    }

    @Test("an update replaces what was known: state, address, NICs")
    func update() {
        var table = DHCPMachines([Self.machine(F.macA, .registered, ip: "10.77.0.50", nics: [F.macB])])
        table.update(Self.machine(F.macA, .booting, ip: "10.77.0.60"))
        #expect(table.machine(F.macA) == KnownMachine(state: .booting, reservedAddress: F.ip("10.77.0.60")))
        #expect(table.machine(F.macB) == nil)
        #expect(table.holder(of: F.ip("10.77.0.50")) == nil)
        #expect(table.holder(of: F.ip("10.77.0.60")) == F.macA)
    }

    @Test("removing a machine keeps the NIC and address another machine took since")
    func removeAfterMove() {
        var table = DHCPMachines([Self.machine(F.macA, .ready, ip: "10.77.0.50", nics: [F.macB])])
        // The NIC and the address moved to machine C before A's own update arrived.
        table.update(Self.machine(F.macC, .registered, ip: "10.77.0.50", nics: [F.macB]))
        table.remove(F.macA)
        #expect(table.machine(F.macA) == nil)
        #expect(table.machine(F.macB)?.state == .registered)
        #expect(table.holder(of: F.ip("10.77.0.50")) == F.macC)
        table.remove(F.macC)
        #expect(table.machine(F.macB) == nil)
        #expect(table.holder(of: F.ip("10.77.0.50")) == nil)
    }
}
