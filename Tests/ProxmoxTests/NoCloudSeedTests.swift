import Foundation
import Proxmox
import Testing

@Suite("NoCloud seed in smbios1") struct NoCloudSeedTests {
    /// The serial is the one seed form (NoCloudSeedForm) that cloud-init 22.4 and 25.x both read
    /// in network mode; PVE gets it base64-encoded with the uuid kept.
    @Test func theSerialIsTheNetworkModeSeedInBase64() throws {
        let url = NoCloudSeed.seedURL(server: "http://10.0.0.1:8080/", mac: "52:54:00:12:34:56")
        #expect(url == "http://10.0.0.1:8080/cloud-init/52:54:00:12:34:56/")
        let smbios1 = NoCloudSeed.smbios1(existing: "uuid=1f2e3d4c-0000-4000-8000-000000000001,serial=b2xk,base64=1,manufacturer=eA==",
                                          seedURL: url)
        let fields = smbios1.split(separator: ",").map(String.init)
        #expect(fields.first == "uuid=1f2e3d4c-0000-4000-8000-000000000001" && fields.last == "base64=1" && fields.count == 3, "\(smbios1)")
        let serial = try #require(fields.first { $0.hasPrefix("serial=") }.flatMap { Data(base64Encoded: String($0.dropFirst(7))) })
        #expect(String(decoding: serial, as: UTF8.self) == "ds=nocloud;s=http://10.0.0.1:8080/cloud-init/52:54:00:12:34:56/;dsmode=net")
    }
}
