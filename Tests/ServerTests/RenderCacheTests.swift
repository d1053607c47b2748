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
        inventory = try Inventory(path: directory.file("provision.db"))
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
