@testable import Boot
import Testing
import Wire

@Suite("BootFilePolicy: option 93 to boot file") struct BootFilePolicyTests {
    typealias F = DHCPFixture
    static let serverURL = "http://10.77.0.1:8080"
    static let mac = DHCPFixture.mac("aa:bb:cc:dd:ee:ff")

    static func client(arch: UInt16?, ipxe: Bool = false, http: Bool = false) -> NetbootClient {
        NetbootClient(architecture: arch, isIPXE: ipxe, isHTTPClient: http, uuid: nil)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let arch: UInt16?
        let http: Bool
        let preferSNPOnly: Bool
        let expected: BootFile?
        init(_ arch: UInt16?, http: Bool = false, snp: Bool = false, _ expected: BootFile?) {
            self.arch = arch
            self.http = http
            self.preferSNPOnly = snp
            self.expected = expected
        }
        var testDescription: String { "arch \(arch.map(String.init) ?? "none") http \(http) snponly \(preferSNPOnly)" }
    }

    static let rows: [Row] = [
        Row(0, .tftp("undionly.kpxe")),
        Row(0, snp: true, .tftp("undionly.kpxe")),
        Row(nil, .tftp("undionly.kpxe")),
        Row(6, .tftp("ipxe.efi")),
        Row(7, .tftp("ipxe.efi")),
        Row(9, .tftp("ipxe.efi")),
        Row(6, snp: true, .tftp("snponly.efi")),
        Row(7, snp: true, .tftp("snponly.efi")),
        Row(9, snp: true, .tftp("snponly.efi")),
        Row(11, .tftp("snp.efi")),
        Row(11, snp: true, .tftp("snp.efi")),
        Row(15, http: true, .http("http://10.77.0.1:8080/ipxe/ipxe.efi")),
        Row(16, http: true, .http("http://10.77.0.1:8080/ipxe/ipxe.efi")),
        Row(16, http: true, snp: true, .http("http://10.77.0.1:8080/ipxe/snponly.efi")),
        Row(19, http: true, .http("http://10.77.0.1:8080/ipxe/snp.efi")),
        Row(19, http: true, snp: true, .http("http://10.77.0.1:8080/ipxe/snp.efi")),
        Row(10, nil),
        Row(2, nil),
        Row(1, nil),
        Row(10, http: true, nil),
        Row(0xFFFF, nil),
    ]

    @Test(arguments: rows)
    func chooses(_ row: Row) {
        let policy = BootFilePolicy(serverURL: Self.serverURL, preferSNPOnly: row.preferSNPOnly)
        #expect(policy.bootFile(for: Self.client(arch: row.arch, http: row.http), mac: Self.mac) == row.expected)
    }

    /// iPXE already runs: whatever the architecture (even one we have no binary for), it gets the
    /// script, keyed by its MAC.
    @Test(arguments: [UInt16?.none, 0, 7, 10, 11, 16, 2])
    func ipxeGetsTheScript(arch: UInt16?) {
        for preferSNPOnly in [false, true] {
            for http in [false, true] {
                let policy = BootFilePolicy(serverURL: Self.serverURL, preferSNPOnly: preferSNPOnly)
                #expect(policy.bootFile(for: Self.client(arch: arch, ipxe: true, http: http), mac: Self.mac)
                        == .http("http://10.77.0.1:8080/boot.ipxe?mac=aa:bb:cc:dd:ee:ff"))
            }
        }
    }

    @Test func theServerURLIsUsedVerbatim() {
        let policy = BootFilePolicy(serverURL: "https://boot.example:8443/pxe")
        #expect(policy.bootFile(for: Self.client(arch: 16, http: true), mac: Self.mac) == .http("https://boot.example:8443/pxe/ipxe/ipxe.efi"))
        #expect(policy.bootFile(for: Self.client(arch: 0, ipxe: true), mac: F.mac("52:54:00:0a:0b:0c"))
                == .http("https://boot.example:8443/pxe/boot.ipxe?mac=52:54:00:0a:0b:0c"))
    }

    @Test func defaultsToIPXEEFI() {
        #expect(BootFilePolicy(serverURL: Self.serverURL).bootFile(for: Self.client(arch: 7), mac: Self.mac) == .tftp("ipxe.efi"))
    }

    @Test(arguments: [(BootFile.tftp("undionly.kpxe"), "undionly.kpxe"), (.http("http://x/boot.ipxe"), "http://x/boot.ipxe")])
    func nameIsTheFileOrURL(file: BootFile, name: String) {
        #expect(file.name == name)
    }

    @Test func everyArchitectureWithABinaryIsOneOfFour() {
        let known: Set<String> = ["undionly.kpxe", "ipxe.efi", "snponly.efi", "snp.efi"]
        var served: [UInt16] = []
        for arch in UInt16(0)...64 {
            if let binary = BootFilePolicy.ipxeBinary(for: arch, preferSNPOnly: false) {
                #expect(known.contains(binary))
                served.append(arch)
            }
        }
        #expect(served == [0, 6, 7, 9, 11, 15, 16, 19])
    }
}
