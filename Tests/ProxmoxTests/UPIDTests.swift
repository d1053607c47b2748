import Testing
@testable import Proxmox
import Wire

struct UPIDTests {
    @Test func parsesEveryField() throws {
        let upid = try UPID("UPID:pve1:000003EC:00001B74:6B0251F4:qmclone:9000:root@pam!prov:")
        #expect(upid.node == "pve1")
        #expect(upid.pid == 0x3EC)
        #expect(upid.startTime == 0x6B0251F4)
        #expect(upid.type == "qmclone")
        #expect(upid.id == "9000")
        #expect(upid.user == "root@pam!prov")
    }

    @Test(arguments: ["", "UPID:pve1", "UPID:pve1:XYZ:00001B74:6B0251F4:qmclone:9000:root@pam:",
                      "TASK:pve1:000003EC:00001B74:6B0251F4:qmclone:9000:root@pam:", "UPID::1:2:3:t:9:u:"])
    func refusesMalformedIDs(_ text: String) {
        #expect(throws: ProxmoxError.self) { try UPID(text) }
    }

    @Test func taskStatusOutcomes() throws {
        #expect(try TaskOutcome(status: .object([("status", .string("running"))])) == .running)
        #expect(try TaskOutcome(status: .object([("status", .string("stopped")), ("exitstatus", .string("OK"))])) == .succeeded(warnings: 0))
        #expect(try TaskOutcome(status: .object([("status", .string("stopped")), ("exitstatus", .string("WARNINGS: 3"))])) == .succeeded(warnings: 3))
        #expect(try TaskOutcome(status: .object([("status", .string("stopped")), ("exitstatus", .string("clone failed: boom"))]))
                == .failed("clone failed: boom"))
        #expect(throws: ProxmoxError.self) { try TaskOutcome(status: .object([])) }
    }
}
