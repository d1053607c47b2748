@testable import Boot
import Testing
import Wire

@Suite("NetbootClient: who is asking to boot from the network") struct NetbootClientTests {
    typealias F = DHCPFixture

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let configure: @Sendable (inout DHCPOptions) -> Void
        let expected: NetbootClient?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "PXEClient vendor class alone", configure: { $0.vendorClass = "PXEClient:Arch:00000:UNDI:002001" },
             expected: NetbootClient(architecture: nil, isIPXE: false, isHTTPClient: false, uuid: nil)),
        Case(name: "bare PXEClient", configure: { $0.vendorClass = "PXEClient" },
             expected: NetbootClient(architecture: nil, isIPXE: false, isHTTPClient: false, uuid: nil)),
        Case(name: "HTTPClient vendor class", configure: { $0.vendorClass = "HTTPClient:Arch:00016:UNDI:003000" },
             expected: NetbootClient(architecture: nil, isIPXE: false, isHTTPClient: true, uuid: nil)),
        Case(name: "option 93 alone", configure: { $0.clientArchitectures = [7] },
             expected: NetbootClient(architecture: 7, isIPXE: false, isHTTPClient: false, uuid: nil)),
        Case(name: "option 93 with two architectures: the first counts", configure: { $0.clientArchitectures = [11, 7] },
             expected: NetbootClient(architecture: 11, isIPXE: false, isHTTPClient: false, uuid: nil)),
        Case(name: "option 94 alone", configure: { $0.clientNDI = [1, 3, 0] },
             expected: NetbootClient(architecture: nil, isIPXE: false, isHTTPClient: false, uuid: nil)),
        Case(name: "iPXE user class, bare as iPXE sends it", configure: { $0[DHCPOptionCode.userClass] = Array("iPXE".utf8) },
             expected: NetbootClient(architecture: nil, isIPXE: true, isHTTPClient: false, uuid: nil)),
        Case(name: "iPXE user class in RFC 3004 form among others", configure: { $0.userClass = ["foo", "iPXE"] },
             expected: NetbootClient(architecture: nil, isIPXE: true, isHTTPClient: false, uuid: nil)),
        Case(name: "option 175 present", configure: { $0.ipxeEncapsulated = [(19, [1]), (36, [1])] },
             expected: NetbootClient(architecture: nil, isIPXE: true, isHTTPClient: false, uuid: nil)),
        Case(name: "iPXE with PXEClient and arch", configure: {
            $0.vendorClass = "PXEClient:Arch:00007:UNDI:003016"
            $0.clientArchitectures = [7]
            $0[DHCPOptionCode.userClass] = Array("iPXE".utf8)
        }, expected: NetbootClient(architecture: 7, isIPXE: true, isHTTPClient: false, uuid: nil)),
        Case(name: "plain client: no netboot options", configure: {
            $0.hostname = "laptop"
            $0.vendorClass = "MSFT 5.0"
            $0.userClass = ["other"]
        }, expected: nil),
        Case(name: "no options at all", configure: { _ in }, expected: nil),
        Case(name: "vendor class containing but not starting with PXEClient", configure: { $0.vendorClass = "xPXEClient" },
             expected: nil),
        Case(name: "option 97 alone does not make a netboot client", configure: { $0.clientUUID = F.uuid }, expected: nil),
        Case(name: "option 97 of 17 bytes is echoed", configure: {
            $0.vendorClass = "PXEClient"
            $0.clientArchitectures = [0]
            $0.clientUUID = F.uuid
        }, expected: NetbootClient(architecture: 0, isIPXE: false, isHTTPClient: false, uuid: F.uuid)),
        Case(name: "option 97 of 5 bytes is malformed", configure: {
            $0.vendorClass = "PXEClient"
            $0.clientArchitectures = [0]
            $0.clientUUID = [0, 1, 2, 3, 4]
        }, expected: nil),
        Case(name: "option 97 of 18 bytes is malformed", configure: {
            $0.vendorClass = "PXEClient"
            $0.clientUUID = F.uuid + [0]
        }, expected: nil),
    ]

    @Test(arguments: cases)
    func classifies(_ testCase: Case) {
        var options = DHCPOptions()
        testCase.configure(&options)
        #expect(NetbootClient.classify(options) == testCase.expected)
    }
}
