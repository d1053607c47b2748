import Boot
import Model
import Testing
import Wire

@Suite("DHCPServerPolicy: who may boot, and what is never answered") struct DHCPServerPolicyTests {
    typealias F = DHCPFixture

    static let mayBootCases: [(MachineState?, DiscoveryPolicy, Bool)] = [
        (nil, .ignore, false),
        (nil, .hold, true),
        (.discovered, .ignore, false),
        (.discovered, .hold, true),
        (.registered, .ignore, true),
        (.registered, .hold, true),
        (.booting, .ignore, true),
        (.booting, .hold, true),
        (.installing, .ignore, true),
        (.installing, .hold, true),
        (.installed, .ignore, true),
        (.installed, .hold, true),
        (.ready, .ignore, true),
        (.ready, .hold, true),
        (.failed, .ignore, true),
        (.failed, .hold, true),
        (.retired, .ignore, false),
        (.retired, .hold, false),
    ]

    @Test(arguments: mayBootCases)
    func mayBoot(state: MachineState?, discovery: DiscoveryPolicy, expected: Bool) {
        #expect((BootPolicy.notServed(state: state, discovery: discovery) == nil) == expected)
    }

    @Test func mayBootTableCoversEveryStateAndPolicy() {
        for state in [MachineState?.none] + MachineState.allCases.map(Optional.some) {
            for discovery in DiscoveryPolicy.allCases {
                #expect(Self.mayBootCases.contains { $0.0 == state && $0.1 == discovery }, "\(String(describing: state)) \(discovery)")
            }
        }
    }

    /// Requests nobody answers, in either mode.
    @Test(arguments: DHCPMode.allCases)
    func unanswerable(mode: DHCPMode) {
        var policy = DHCPServerPolicy(mode: mode, subnets: [F.subnet77()], discovery: .hold, serverURL: nil, httpPort: 8080, leases: [])
        let context = F.context()

        var reply = F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0))
        reply.op = 2
        let fromServer = policy.handle(reply, context, reservedFor: F.noReservations)
        #expect(fromServer.reply == nil)
        #expect(fromServer.note == "not a BOOTREQUEST")

        let bootp = policy.handle(F.request(nil, mac: F.macA, configure: F.pxe(arch: 0)), context, reservedFor: F.noReservations)
        #expect(bootp.reply == nil)
        #expect(bootp.note?.contains("no message type") == true)

        var infiniband = F.request(.discover, mac: F.macA, configure: F.pxe(arch: 0))
        infiniband.htype = 32
        infiniband.hlen = 0
        let notEthernet = policy.handle(infiniband, context, reservedFor: F.noReservations)
        #expect(notEthernet.reply == nil)
        #expect(notEthernet.note == "not an Ethernet client")
        #expect(policy.table.leases.isEmpty)
    }

    /// Server messages sent to us are ignored.
    @Test(arguments: [DHCPMessageType.offer, .ack, .nak])
    func serverMessagesAreIgnoredInFullMode(type: DHCPMessageType) {
        var server = FullServer()
        let outcome = server.send(F.request(type, mac: F.macA))
        #expect(outcome.reply == nil)
        #expect(outcome.leases.isEmpty)
        #expect(outcome.note == "\(type) is a server message")
    }

    @Test(arguments: [DHCPMessageType.offer, .ack, .nak, .decline, .release])
    func proxyModeOnlyAnswersDiscoverRequestAndInform(type: DHCPMessageType) {
        let policy = F.proxyPolicy()
        for port: UInt16 in [67, 4011] {
            var copy = policy
            let outcome = copy.handle(F.request(type, mac: F.macA, configure: F.pxe(arch: 0)), F.context(port: port),
                                      reservedFor: F.noReservations)
            #expect(outcome.reply == nil)
            #expect(outcome.leases.isEmpty)
        }
    }
}
