import Boot
import Foundation
import Inventory
import Model
import Net
import TestSupport
import Testing
import Wire

@testable import Server

/// The render cache answers byte for byte what a fresh render gives, and renders again whenever
/// anything a render reads changed: the machine, its cluster, the profile (reload), the server URL.
@Suite("RenderCache")
struct RenderCacheTests {
    let directory: TemporaryDirectory
    let inventory: Inventory
    let profiles: ProfileCatalog
    let endpoint: CloudInitEndpoint
    let server = "http://10.0.0.1:8080"

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"), keepsLookups: true)
        for sub in ["profiles", "cloud-init"] { try FileManager.default.createDirectory(atPath: directory.file(sub), withIntermediateDirectories: true) }
        try Self.writeProfile(directory, hostnameLine: "hostname: {{ machine.hostname }}")
        profiles = try ProfileCatalog.load(directories: [directory.file("profiles")], cloudInitDirectories: [directory.file("cloud-init")])
        let log = Logger(component: "boot", minimum: .error)
        let origin = OriginGuard(inventory: inventory, profiles: profiles, trust: .address, overheard: OverheardAddresses(), log: log)
        endpoint = CloudInitEndpoint(inventory: inventory, profiles: profiles, serverURL: nil, origin: origin, log: log)
    }

    private static func writeProfile(_ directory: TemporaryDirectory, hostnameLine: String) throws {
        try directory.write("cloud-init/user.yaml", """
            #cloud-config
            \(hostnameLine)
            cluster: {{ machine.cluster }}
            write_files:
              - path: {{ report.script_path }}
                content: {{ report.script }}
            phone_home: {url: {{ phone_home_url }}}
            """)
        try directory.write("cloud-init/net.yaml", "version: 2\n# {{ machine.labels.rack }}\n")
        try directory.write("profiles/p.json", #"{"kernel": "k", "cmdline": "s={{ cloud_init_url }} h={{ machine.hostname }}", "userData": "user.yaml", "networkConfig": "net.yaml"}"#)
    }

    /// What a render without the cache gives now.
    private func fresh(_ payload: CompiledProfile.Payload, _ mac: MACAddress, server: String) throws -> String? {
        let machine = try #require(try inventory.machine(mac))
        let profile = try #require(profiles.profile("p"))
        return try profile.render(payload, machine: machine, cluster: try inventory.cluster(of: machine), facts: nil, serverURL: server)
    }

    private func cached(_ payload: CompiledProfile.Payload, _ mac: MACAddress, server: String? = nil) throws -> String? {
        try endpoint.preview(payload, try #require(try inventory.machine(mac)), server: server ?? self.server)
    }

    private func expectSame(_ mac: MACAddress, server: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for payload in [CompiledProfile.Payload.userData, .networkConfig] {
            let first = try cached(payload, mac, server: server)
            let again = try cached(payload, mac, server: server)
            let reference = try fresh(payload, mac, server: server ?? self.server)
            #expect(first != nil, sourceLocation: sourceLocation)
            #expect(first == reference && again == reference, sourceLocation: sourceLocation)
        }
    }

    @Test("a cached payload is byte for byte the fresh render, and follows every input")
    func followsInputs() throws {
        let mac = try MACAddress("52:54:00:0c:00:01")
        _ = try inventory.register(mac, MachineSpec(hostname: "one", profile: "p", labels: ["rack": "r1"]), source: "t")
        try expectSame(mac)
        #expect(endpoint.renders.count == 2)
        // The machine changes: its row differs, so both payloads render again.
        _ = try inventory.update(mac, MachinePatch(hostname: "two", labels: ["rack": "r2"]), source: "t")
        #expect(try cached(.userData, mac)?.contains("hostname: \"two\"") == true)
        try expectSame(mac)
        // It joins a cluster: the cluster row becomes an input too.
        _ = try inventory.createCluster(ClusterSpec(name: "c1", kind: .k3s), source: "t")
        _ = try inventory.update(mac, MachinePatch(role: "server", cluster: "c1"), source: "t")
        try expectSame(mac)
        #expect(try cached(.userData, mac)?.contains("cluster: \"c1\"") == true)
        // Another server URL is another text.
        try expectSame(mac, server: "http://10.9.9.9:80")
        // A reimage makes a new install token: the phone-home URL in user-data follows.
        _ = try inventory.apply(.bootInstall, to: mac, source: "t")
        try expectSame(mac)
        let before = try cached(.userData, mac)
        _ = try inventory.apply(.reimage, to: mac, source: "t")
        #expect(try cached(.userData, mac) != before)
        try expectSame(mac)
    }

    /// The boot plane as provisiond builds it, over this test's inventory and profiles.
    private func bootPlane(lastSeen: BootPlaneLastSeen) throws -> BootPlane {
        let log = Logger(component: "boot", minimum: .error)
        return BootPlane(inventory: inventory, profiles: profiles, assets: AssetResponder(directory: ServedDirectory(root: directory.file("assets"))),
                         ipxe: AssetResponder(directory: ServedDirectory(root: directory.file("ipxe"))), discovery: .hold, commissionProfile: nil,
                         serverURL: nil, cloudInit: endpoint, images: try ImageStore(directory: directory.file("images"), log: log),
                         discoveries: DiscoveryRecorder(inventory: inventory, log: log), lastSeen: lastSeen, origin: endpoint.origin,
                         health: ServiceHealth(inventory: inventory, maxAge: 60), log: log)
    }

    /// The install script a render without any cache gives now.
    private func freshScript(_ mac: MACAddress, server: String) throws -> String {
        let machine = try #require(try inventory.machine(mac))
        let profile = try #require(profiles.profile("p"))
        let cmdline = try profile.renderCmdline(machine: machine, cluster: try inventory.cluster(of: machine), serverURL: server)
        return IPXEScript.install(machine: machine, profile: profile.profile, cmdline: cmdline, serverURL: server)
    }

    @Test("a served boot script is byte for byte a fresh render, follows every input, and each fetch is still recorded")
    func bootScriptFollowsInputs() throws {
        let mac = try MACAddress("52:54:00:0c:00:03")
        _ = try inventory.register(mac, MachineSpec(hostname: "four", profile: "p", ip: try IPv4Address("10.0.0.4")), source: "t")
        let lastSeen = BootPlaneLastSeen()
        let boot = try bootPlane(lastSeen: lastSeen)
        func fetch(from peer: String, local: String = "10.0.0.1:8080") throws -> HTTPResponse {
            boot.handle(try HTTPRequest(method: "GET", target: "/boot.ipxe?mac=\(mac)", headers: ["Host": "x"]),
                        RequestContext(peer: try SocketAddress("\(peer):40000"), local: try SocketAddress(local)))
        }
        func expectFresh(_ response: HTTPResponse, server: String = "http://10.0.0.1:8080",
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(response.status == 200, sourceLocation: sourceLocation)
            #expect(String(decoding: response.body, as: UTF8.self) == (try freshScript(mac, server: server)), sourceLocation: sourceLocation)
        }
        // A stranger's fetch gets the script but starts nothing; the machine's own moves it to booting.
        try expectFresh(try fetch(from: "10.0.0.99"))
        #expect(try inventory.machine(mac)?.state == .registered)
        try expectFresh(try fetch(from: "10.0.0.4"))
        #expect(try inventory.machine(mac)?.state == .booting)
        #expect(lastSeen.lastSeen(mac.description)?.from == "10.0.0.4")
        // Again, unchanged: the kept script, the same bytes; who asked is still recorded.
        try expectFresh(try fetch(from: "10.0.0.4"))
        try expectFresh(try fetch(from: "10.0.0.98"))
        #expect(lastSeen.lastSeen(mac.description)?.from == "10.0.0.98")
        // The machine changes, the server address differs, the profile is reloaded: rendered again.
        _ = try inventory.update(mac, MachinePatch(hostname: "five"), source: "t")
        try expectFresh(try fetch(from: "10.0.0.4"))
        #expect(String(decoding: try fetch(from: "10.0.0.4").body, as: UTF8.self).contains("five"))
        try expectFresh(try fetch(from: "10.0.0.4", local: "10.9.9.9:80"), server: "http://10.9.9.9:80")
        try directory.write("profiles/p.json", #"{"kernel": "k2", "cmdline": "again={{ machine.hostname }}", "userData": "user.yaml"}"#)
        try profiles.reload()
        try expectFresh(try fetch(from: "10.0.0.4"))
        #expect(String(decoding: try fetch(from: "10.0.0.4").body, as: UTF8.self).contains("again=five"))
        #expect(try inventory.events(mac).filter { $0.event == "boot-install" }.count == 1)
    }

    @Test("a reloaded profile renders from its new templates")
    func followsReload() throws {
        let mac = try MACAddress("52:54:00:0c:00:02")
        _ = try inventory.register(mac, MachineSpec(hostname: "three", profile: "p", labels: ["rack": "r1"]), source: "t")
        #expect(try cached(.userData, mac)?.contains("hostname: \"three\"") == true)
        try Self.writeProfile(directory, hostnameLine: "fqdn: {{ machine.hostname }}.example")
        try profiles.reload()
        #expect(try cached(.userData, mac)?.contains("fqdn: \"three\".example") == true)
        try expectSame(mac)
    }

    @Test("the cache is bounded: at capacity it starts again")
    func bounded() throws {
        let cache = RenderCache(capacity: 3)
        var renders = 0
        for index in 0..<10 {
            let machine = Machine(mac: try MACAddress("52:54:00:0c:01:\(String(format: "%02x", index))"), hostname: nil, profile: nil,
                                  role: nil, cluster: nil, ip: nil, state: .registered, instanceID: "i", installToken: "t", labels: [:],
                                  nics: [], createdAt: "", updatedAt: "")
            let inputs = RenderCache.Inputs(machine: machine, cluster: nil, facts: nil, compilation: 1, serverURL: server)
            for _ in 0..<2 {
                let text = try cache.text("user-data", inputs) { () throws(TemplateError) -> String? in
                    renders += 1
                    return "text \(index)"
                }
                #expect(text == "text \(index)")
            }
            #expect(cache.count <= 3)
        }
        #expect(renders == 10)
    }
}
