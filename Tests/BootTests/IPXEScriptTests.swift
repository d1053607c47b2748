import Boot
import Model
import Testing
import Wire

@Suite("iPXE scripts") struct IPXEScriptTests {
    private let machine = Machine(
        mac: try! MACAddress("52:54:00:12:34:56"), hostname: "node1", profile: "deb", role: nil, cluster: nil, ip: nil,
        state: .booting, instanceID: "i-1", installToken: "t", labels: [:], nics: [], createdAt: "", updatedAt: "")

    @Test func installLoadsAssetsByURLAndNamesInitrdsForEFI() {
        let profile = Profile(name: "deb", kernel: "debian/linux", initrds: ["debian/initrd.gz", "https://cdn/x/extra.img"], cmdline: "console=ttyS0 quiet")
        let script = IPXEScript.install(machine: machine, profile: profile, cmdline: profile.cmdline, serverURL: "http://10.77.0.1:8080")
        let lines = script.split(separator: "\n").map(String.init)
        #expect(lines.first == "#!ipxe")
        #expect(lines.contains("kernel http://10.77.0.1:8080/assets/debian/linux initrd=initrd.gz initrd=extra.img console=ttyS0 quiet || goto failed"))
        #expect(lines.contains("initrd http://10.77.0.1:8080/assets/debian/initrd.gz || goto failed"))
        #expect(lines.contains("initrd https://cdn/x/extra.img || goto failed"))
        #expect(lines.contains("boot || goto failed"))
        #expect(lines.contains("goto retry"))
    }

    @Test func localDiskExits() {
        let script = IPXEScript.localDisk(mac: machine.mac, reason: "installed")
        #expect(script == "#!ipxe\necho provisiond: 52:54:00:12:34:56 installed: booting the local disk\nexit 1\n")
    }

    @Test func holdAsksAgain() {
        let script = IPXEScript.hold(mac: machine.mac, reason: "not registered", serverURL: "http://s:8080", seconds: 5)
        #expect(script.hasPrefix("#!ipxe\n"))
        #expect(script.contains("sleep 5\nchain http://s:8080/boot.ipxe?mac=52:54:00:12:34:56\n"))
    }
}
