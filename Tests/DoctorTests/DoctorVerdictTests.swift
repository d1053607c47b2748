import Doctor
import Testing
import Wire

struct DHCPCoexistenceTests {
    let router = ForeignOffer(server: IPv4Address(rawValue: 0x0A4D_0002), address: IPv4Address(rawValue: 0x0A4D_0064), bootFile: "", pxe: false)
    let pxeRouter = ForeignOffer(server: IPv4Address(rawValue: 0x0A4D_0002), address: IPv4Address(rawValue: 0x0A4D_0064),
                                 bootFile: "pxelinux.0", pxe: false)
    let proxyDHCP = ForeignOffer(server: IPv4Address(rawValue: 0x0A4D_0003), address: IPv4Address(rawValue: 0), bootFile: "", pxe: true)

    @Test func proxyModeCoexistsWithAPlainServerOnly() {
        let plain = DHCPCoexistence.check([router], mode: "proxy", waited: 3, via: "eth1")
        #expect(plain.status == .ok)
        #expect(plain.message == "proxy mode coexists with the DHCP server(s) on eth1: 10.77.0.2 offers 10.77.0.100")
        let booting = DHCPCoexistence.check([pxeRouter], mode: "proxy", waited: 3, via: "eth1")
        #expect(booting.status == .fail)
        #expect(booting.message.contains("10.77.0.2 offers 10.77.0.100 with boot file \"pxelinux.0\""))
        #expect(booting.fix?.contains("remove the PXE options") == true)
        #expect(DHCPCoexistence.check([router, proxyDHCP], mode: "proxy", waited: 3, via: "eth1").status == .fail)
        let alone = DHCPCoexistence.check([], mode: "proxy", waited: 3, via: "eth1")
        #expect(alone.status == .warn)
        #expect(alone.message.contains("proxy mode gives none itself"))
    }

    @Test func fullModeWantsTheSegmentAlone() {
        #expect(DHCPCoexistence.check([], mode: "full", waited: 2, via: "eth1").status == .ok)
        let shared = DHCPCoexistence.check([router], mode: "full", waited: 2, via: "eth1")
        #expect(shared.status == .fail)
        #expect(shared.details.first { $0.0 == "offers" }?.1 == .array([.object([
            ("server", .string("10.77.0.2")), ("address", .string("10.77.0.100")), ("boot_file", .string("")), ("pxe", .bool(false)),
        ])]))
    }

    @Test func dhcpOffIsOnlyAdvice() {
        #expect(DHCPCoexistence.check([], mode: nil, waited: 1, via: "eth1").status == .warn)
        #expect(DHCPCoexistence.check([pxeRouter], mode: nil, waited: 1, via: "eth1").status == .ok)
    }

    /// An OFFER decoded from a packet: option 54 names the server, option 60 PXEClient marks PXE;
    /// anything but an OFFER is not one.
    @Test func offersFromPackets() {
        var options = DHCPOptions()
        options[DHCPOptionCode.messageType] = [DHCPMessageType.offer.rawValue]
        options[DHCPOptionCode.serverIdentifier] = [10, 77, 0, 9]
        options[DHCPOptionCode.vendorClass] = Array("PXEClient".utf8)
        let packet = DHCPPacket(op: DHCPPacket.bootReply, xid: 7, yiaddr: IPv4Address(rawValue: 0x0A4D_0065), file: "undionly.kpxe",
                                options: options)
        #expect(ForeignOffer(packet, source: IPv4Address(rawValue: 0x0A4D_0002))
                == ForeignOffer(server: IPv4Address(rawValue: 0x0A4D_0009), address: IPv4Address(rawValue: 0x0A4D_0065),
                                bootFile: "undionly.kpxe", pxe: true))
        var ack = packet
        ack.options[DHCPOptionCode.messageType] = [DHCPMessageType.ack.rawValue]
        #expect(ForeignOffer(ack, source: IPv4Address(rawValue: 1)) == nil)
    }
}

struct DoctorVerdictTests {
    @Test func diskThresholds() {
        #expect(DoctorVerdicts.disk(path: "/d", freeBytes: 100 << 20, totalBytes: 10 << 30).status == .fail)
        #expect(DoctorVerdicts.disk(path: "/d", freeBytes: 512 << 20, totalBytes: 10 << 30).status == .warn)
        let roomy = DoctorVerdicts.disk(path: "/d", freeBytes: 5 << 30, totalBytes: 10 << 30)
        #expect(roomy.status == .ok)
        #expect(roomy.message == "5120.0 MiB free of 10240.0 MiB at /d")
    }

    @Test func adminTokenMode() {
        #expect(DoctorVerdicts.adminToken(path: "/t", mode: 0o100600).status == .ok)
        let open = DoctorVerdicts.adminToken(path: "/t", mode: 0o100644)
        #expect(open.status == .fail)
        #expect(open.message == "/t has mode 0644: other users can read the admin token")
        #expect(DoctorVerdicts.adminToken(path: "/t", mode: nil).status == .fail)
    }

    @Test func clockSanityAndSkew() {
        #expect(DoctorVerdicts.clock(serverNow: 1_000_000_000).status == .fail)
        let now = DoctorVerdicts.earliestPlausible + 1000
        #expect(DoctorVerdicts.clock(serverNow: now).status == .ok)
        #expect(DoctorVerdicts.clock(serverNow: now, clientNow: now - 2).status == .ok)
        let skewed = DoctorVerdicts.clock(serverNow: now, clientNow: now - 300)
        #expect(skewed.status == .warn)
        #expect(skewed.message == "the server's clock is 300 s from this host's")
    }

    @Test func databaseQuickCheck() {
        #expect(DoctorVerdicts.database(path: "p.db", quickCheck: .success(["ok"])).status == .ok)
        let broken = DoctorVerdicts.database(path: "p.db", quickCheck: .success(["*** in database main ***", "Page 5: never used"]))
        #expect(broken.status == .fail)
        #expect(broken.message == "p.db: quick_check found: *** in database main ***; Page 5: never used")
        #expect(DoctorVerdicts.database(path: "p.db", quickCheck: .failure(DoctorFailure("disk I/O error"))).status == .fail)
    }

    @Test func ipxeBinariesPerArchitecture() {
        let all = ["undionly.kpxe": UInt64(70_000), "ipxe.efi": 1_000_000, "snponly.efi": 200_000, "snp.efi": 200_000]
        #expect(DoctorVerdicts.ipxe(directory: "/usr/lib/ipxe", sizes: all).status == .ok)
        var noARM = all
        noARM["snp.efi"] = nil
        #expect(DoctorVerdicts.ipxe(directory: "/usr/lib/ipxe", sizes: noARM).status == .warn)
        let noBIOS = DoctorVerdicts.ipxe(directory: "/x", sizes: ["ipxe.efi": 1])
        #expect(noBIOS.status == .fail)
        #expect(noBIOS.message.hasPrefix("/x: missing undionly.kpxe for x86 BIOS (arch 0)"))
    }

    @Test func profileAssets() {
        let missing = DoctorVerdicts.profileAssets(profile: "debian", assetsDir: "/a", files: [
            (role: "kernel", source: "debian/vmlinuz", size: 8 << 20), (role: "initrd", source: "debian/initrd", size: nil),
            (role: "initrd", source: "http://mirror/x", size: nil),
        ])
        #expect(missing.name == "profile debian")
        #expect(missing.status == .fail)
        #expect(missing.message == "kernel debian/vmlinuz 8.0 MiB, initrd debian/initrd MISSING, initrd http://mirror/x (remote, not checked)")
        #expect(missing.fix == "put /a/debian/initrd in place (machines with this profile cannot boot)")
        #expect(DoctorVerdicts.profileAssets(profile: "local", assetsDir: "/a", files: []).status == .ok)
    }

    @Test func serverURL() {
        #expect(DoctorVerdicts.endpoint(of: "http://10.77.0.1:8080")! == ("10.77.0.1", 8080))
        #expect(DoctorVerdicts.endpoint(of: "http://boot.lab/x")! == ("boot.lab", 80))
        #expect(DoctorVerdicts.endpoint(of: "https://x") == nil)
        #expect(DoctorVerdicts.endpoint(of: "http://x:99999") == nil)
        #expect(DoctorVerdicts.serverURL("http://127.0.0.1:8080", source: nil, answer: .success(200)).status == .fail)
        #expect(DoctorVerdicts.serverURL("http://10.0.0.1:8080", source: "10.0.0.1", answer: .success(200)).status == .ok)
        #expect(DoctorVerdicts.serverURL("http://10.0.0.1:8080", source: nil, answer: .success(404)).status == .fail)
        let refused = DoctorVerdicts.serverURL("http://10.0.0.1:8080", source: "10.0.0.1", answer: .failure(DoctorFailure("connection refused")))
        #expect(refused.message == "http://10.0.0.1:8080 is not reachable from 10.0.0.1: connection refused")
    }

    @Test func checkJSON() {
        let check = DoctorCheck("disk", .warn, "low", fix: "free some", details: [("free_bytes", .int(3))])
        #expect(check.json.encoded() == #"{"name":"disk","status":"warn","message":"low","fix":"free some","details":{"free_bytes":3}}"#)
    }
}
