import Synchronization
import TestSupport
import Testing
import Wire
@testable import Inventory

@Suite("Inventory: clusters and membership")
struct InventoryClusterTests {
    let directory: TemporaryDirectory
    let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.databasePath)
    }

    @Test("a cluster is created with a fresh 256-bit token, listed and read back")
    func create() throws {
        let made = try inventory.createCluster(
            ClusterSpec(name: "lab", kind: .k3s, version: "v1.31.4+k3s1", tlsSANs: ["k3s.lab", "10.0.0.100", "*.apps.lab"]), source: "t")
        #expect(made.token.count == 64 && made.token.allSatisfy(\.isHexDigit))
        #expect(made.tlsSANs == ["k3s.lab", "10.0.0.100", "*.apps.lab"])
        let other = try inventory.createCluster(ClusterSpec(name: "kb", kind: .kubespray), source: "t")
        #expect(other.token != made.token)
        #expect(try inventory.cluster(named: "lab") == made)
        #expect(try inventory.clusters().map(\.name) == ["kb", "lab"])
        #expect(inventoryError { () throws(InventoryError) in try inventory.createCluster(ClusterSpec(name: "lab", kind: .kubespray), source: "t") }
            == .conflict("cluster lab already exists"))
    }

    @Test("bad names, versions and SANs are refused", arguments: [
        ClusterSpec(name: "Lab", kind: .k3s), ClusterSpec(name: "a/b", kind: .k3s), ClusterSpec(name: "x", kind: .k3s, version: "v1 2"),
        ClusterSpec(name: "x", kind: .k3s, version: "$(reboot)"), ClusterSpec(name: "x", kind: .k3s, tlsSANs: ["-bad-"]),
        ClusterSpec(name: "x", kind: .k3s, tlsSANs: ["a.lab", "a.lab"]),
    ])
    func invalid(_ spec: ClusterSpec) throws {
        guard case .invalid? = inventoryError({ () throws(InventoryError) in try inventory.createCluster(spec, source: "t") }) else {
            Issue.record("\(spec) was not refused as invalid")
            return
        }
        #expect(try inventory.clusters().isEmpty)
    }

    @Test("members need an existing cluster and a role of its kind; kubespray roles come back in group order")
    func membership() throws {
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        _ = try inventory.createCluster(ClusterSpec(name: "kb", kind: .kubespray), source: "t")
        let unknown = inventoryError { () throws(InventoryError) in try inventory.register(testMAC(1), spec("a", role: "server", cluster: "nope"), source: "t") }
        #expect(unknown?.description.contains("no cluster named nope") == true)
        for (role, cluster) in [("worker", "lab"), ("server,agent", "lab"), ("etcd,etcd", "kb"), ("server", "kb"), ("", "kb")] {
            guard case .invalid? = inventoryError({ () throws(InventoryError) in try inventory.register(testMAC(1), spec("a", role: role, cluster: cluster), source: "t") }) else {
                Issue.record("role \(role) in \(cluster) was accepted")
                continue
            }
        }
        guard case .invalid? = inventoryError({ () throws(InventoryError) in try inventory.register(testMAC(1), spec("a", cluster: "lab"), source: "t") }) else {
            Issue.record("a member without a role was accepted")
            return
        }
        #expect(try inventory.machines().isEmpty)
        let member = try inventory.register(testMAC(1), spec("a", role: "etcd,control-plane", cluster: "kb"), source: "t")
        #expect(member.role == "control-plane,etcd")
        // Moving it to the k3s cluster needs a k3s role.
        #expect(inventoryError { () throws(InventoryError) in try inventory.update(testMAC(1), MachinePatch(cluster: .some("lab")), source: "t") } != nil)
        let moved = try inventory.update(testMAC(1), MachinePatch(role: .some("agent"), cluster: .some("lab")), source: "t")
        #expect(moved.cluster == "lab" && moved.role == "agent")
        #expect(try inventory.members(of: "lab").map(\.mac) == [testMAC(1)])
        #expect(try inventory.members(of: "kb").isEmpty)
    }

    @Test("the first k3s server is the first registered, recorded with an event, and replaced when it goes")
    func firstServer() throws {
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        _ = try inventory.register(testMAC(1), spec("agent1", role: "agent", cluster: "lab"), source: "t")
        #expect(try inventory.cluster(named: "lab").firstServer == nil)
        _ = try inventory.register(testMAC(2), spec("s1", role: "server", cluster: "lab"), source: "t")
        _ = try inventory.register(testMAC(3), spec("s2", role: "server", cluster: "lab"), source: "t")
        _ = try inventory.register(testMAC(4), spec("s3", role: "server", cluster: "lab"), source: "t")
        #expect(try inventory.cluster(named: "lab").firstServer == testMAC(2))
        #expect(try inventory.events(testMAC(2)).map(\.event) == ["register", "k3s-first-server"])
        #expect(try inventory.events(testMAC(3)).map(\.event) == ["register"])
        // s3 gets installed; retiring s1 hands the role to the installed server, not the older s2.
        for event in [LifecycleEvent.bootInstall, .fetchUserData, .phoneHome] { _ = try inventory.apply(event, to: testMAC(4), source: "t") }
        _ = try inventory.apply(.retire, to: testMAC(2), source: "t")
        #expect(try inventory.cluster(named: "lab").firstServer == testMAC(4))
        #expect(try inventory.events(testMAC(4)).last?.event == "k3s-first-server")
        // Deleting it falls back to the remaining server; turning that into an agent leaves none.
        try inventory.delete(testMAC(4))
        #expect(try inventory.cluster(named: "lab").firstServer == testMAC(3))
        _ = try inventory.update(testMAC(3), MachinePatch(role: .some("agent")), source: "t")
        #expect(try inventory.cluster(named: "lab").firstServer == nil)
    }

    @Test("a cluster with members cannot be deleted; an empty one can")
    func delete() throws {
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        _ = try inventory.register(testMAC(1), spec("a", role: "server", cluster: "lab"), source: "t")
        guard case .conflict(let message)? = inventoryError({ () throws(InventoryError) in try inventory.deleteCluster(named: "lab") }) else {
            Issue.record("deleting a cluster with members was not a conflict")
            return
        }
        #expect(message.contains(testMAC(1).description))
        try inventory.delete(testMAC(1))
        try inventory.deleteCluster(named: "lab")
        #expect(inventoryError { () throws(InventoryError) in try inventory.cluster(named: "lab") } == .clusterNotFound("lab"))
        #expect(inventoryError { () throws(InventoryError) in try inventory.deleteCluster(named: "lab") } == .clusterNotFound("lab"))
    }

    @Test("observers hear every committed change, after the commit, and nothing for a refused one")
    func observers() throws {
        let heard = Mutex<[String]>([])
        let inventory = self.inventory
        inventory.observe { change in
            // Called after the commit: the inventory answers from inside the handler.
            let stored = try? inventory.machine(change.machine.mac)
            heard.withLock { $0.append("\(change.kind) \(change.event) \(change.previous?.state.rawValue ?? "-")>\(stored?.state.rawValue ?? "gone")") }
        }
        _ = try inventory.createCluster(ClusterSpec(name: "lab", kind: .k3s), source: "t")
        _ = try inventory.register(testMAC(1), spec("a", role: "server", cluster: "lab"), source: "t")
        _ = try inventory.update(testMAC(1), MachinePatch(hostname: "b"), source: "t")
        _ = try inventory.apply(.bootInstall, to: testMAC(1), source: "t")
        _ = inventoryError { () throws(InventoryError) in try inventory.apply(.phoneHome, to: testMAC(1), source: "t") }
        _ = try inventory.discover(testMAC(2), source: "dhcp", detail: "")
        _ = try inventory.discover(testMAC(2), source: "dhcp", detail: "")
        try inventory.delete(testMAC(1))
        #expect(heard.withLock { $0 } == [
            "created register ->registered", "updated update registered>registered", "transitioned boot-install registered>booting",
            "created discover ->discovered", "deleted delete ->gone",
        ])
    }

    @Test("a machine's address is its reserved IP, else its newest bound lease")
    func address() throws {
        let reserved = try inventory.register(testMAC(1), spec("a", ip: ip("10.0.0.5")), source: "t")
        #expect(try inventory.address(of: reserved) == ip("10.0.0.5"))
        let pooled = try inventory.register(testMAC(2), spec("b", nics: [testMAC(3)]), source: "t")
        #expect(try inventory.address(of: pooled) == nil)
        let future = Timestamp.unixNow() + 600
        try inventory.saveLeases([
            Lease(ip: ip("10.0.0.50"), mac: testMAC(3), state: .bound, expires: future, updatedAt: "2026-01-01T00:00:00.000Z"),
            Lease(ip: ip("10.0.0.51"), mac: testMAC(2), state: .released, expires: future, updatedAt: "2026-01-02T00:00:00.000Z"),
            Lease(ip: ip("10.0.0.52"), mac: testMAC(2), state: .bound, expires: Timestamp.unixNow() - 1, updatedAt: "2026-01-03T00:00:00.000Z"),
        ])
        #expect(try inventory.address(of: pooled) == ip("10.0.0.50"))
    }
}
