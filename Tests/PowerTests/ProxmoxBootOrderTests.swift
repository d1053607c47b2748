import Power
import Testing
import Wire

@Suite struct ProxmoxBootOrderTests {
    func order(_ config: String) throws -> String? { try ProxmoxBootOrder.networkFirst(config: JSONParser.parse(config)) }

    @Test func net0MovesToTheFront() throws {
        #expect(try order(#"{"boot": "order=scsi0;ide2;net0", "net0": "virtio=52:54:00:00:00:01,bridge=vmbr0"}"#) == "order=net0;scsi0;ide2")
        #expect(try order(#"{"boot": "order=scsi0", "net0": "virtio"}"#) == "order=net0;scsi0")
        #expect(try order(#"{"boot": "order=net0;scsi0", "net0": "virtio"}"#) == nil)
    }

    @Test func withoutAnOrderTheDisksFollowInPVEsDefaultOrder() throws {
        #expect(try order(#"{"net0": "virtio", "ide2": "local:cloudinit", "scsi10": "x", "scsi0": "y", "scsihw": "virtio-scsi-pci"}"#)
            == "order=net0;scsi0;scsi10;ide2")
        #expect(try order(#"{"boot": "cdn", "net0": "e1000", "virtio0": "z"}"#) == "order=net0;virtio0")
    }

    @Test func aVMWithoutANetworkCardIsRefused() {
        #expect(throws: PowerError.unsupported("the VM has no net0: it cannot boot from the network")) { try order(#"{"boot": "order=scsi0"}"#) }
    }
}
