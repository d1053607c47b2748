import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

@testable import Server

/// Each test makes the one deployer that observes its inventory: a second one (a shared default
/// and the test's own) would plan the same changes and record its own reasons in between.
@Suite("KubesprayDeployer")
struct KubesprayDeployerTests {
    private let directory: TemporaryDirectory
    private let inventory: Inventory

    init() throws {
        directory = try TemporaryDirectory()
        inventory = try Inventory(path: directory.file("provision.db"))
        _ = try inventory.createCluster(ClusterSpec(name: "kb", kind: .kubespray), source: "test")
    }

    /// The test's deployer, observing its inventory from now on.
    private func observingDeployer(command: [String] = ["/nonexistent/playbook"], directory runDirectory: String? = nil) -> KubesprayDeployer {
        let deployer = KubesprayDeployer(inventory: inventory,
                                         settings: .init(command: command, directory: runDirectory, timeout: 5, clustersDir: directory.file("clusters")),
                                         log: Logger(component: "kubespray", minimum: .error))
        inventory.observe { deployer.changed($0) }
        return deployer
    }

    private func register(_ number: UInt8, _ name: String, _ role: String) throws -> MACAddress {
        let mac = try MACAddress(octets: [0x52, 0x54, 0, 0, 0xb0, number])
        _ = try inventory.register(mac, MachineSpec(hostname: name, profile: "p", role: role, cluster: "kb", ip: IPv4Address(10, 0, 0, number)),
                                   source: "test")
        return mac
    }

    private func events(_ mac: MACAddress, _ name: String) throws -> [MachineEvent] { try inventory.events(mac).filter { $0.event == name } }

    @Test("an invalid membership is recorded once on the machine that made it, and the files keep the last valid one")
    func invalidOnce() throws {
        let deployer = observingDeployer()
        _ = try register(1, "a", "control-plane,etcd")
        deployer.drain()
        let ini = try String(contentsOfFile: directory.file("clusters/kb/inventory.ini"), encoding: .utf8)
        let b = try register(2, "b", "etcd")
        _ = try inventory.update(b, MachinePatch(labels: ["x": "1"]), source: "test")
        deployer.drain()
        let invalid = try events(b, "inventory-invalid")
        #expect(invalid.map(\.detail) == ["cluster kb: Stop if even number of etcd hosts: etcd has 2 (a, b); it needs an odd number for quorum"])
        #expect(try String(contentsOfFile: directory.file("clusters/kb/inventory.ini"), encoding: .utf8) == ini)
        // Fixed: written again, and a later problem is reported anew.
        _ = try inventory.update(b, MachinePatch(role: .some("node")), source: "test")
        deployer.drain()
        #expect(try String(contentsOfFile: directory.file("clusters/kb/inventory.ini"), encoding: .utf8).contains("[kube_node]\nb\n"))
        _ = try inventory.update(b, MachinePatch(role: .some("etcd")), source: "test")
        deployer.drain()
        #expect(try events(b, "inventory-invalid").count == 2)
    }

    /// A setup mistake is not the machines': they stay installed, told once, and nothing runs.
    @Test("a playbook command that cannot start leaves the members installed, with the reason told once")
    func cannotStart() throws {
        let deployer = observingDeployer()
        let a = try register(1, "a", "control-plane,etcd")
        _ = try inventory.apply(.fetchUserData, to: a, source: "test")
        _ = try inventory.apply(.phoneHome, to: a, source: "test")
        deployer.drain()
        _ = try inventory.update(a, MachinePatch(labels: ["x": "1"]), source: "test")
        deployer.drain()
        #expect(try inventory.machine(a)?.state == .installed)
        #expect(try events(a, "kubespray-not-run").map(\.detail)
                == ["cluster kb: /nonexistent/playbook is not an executable file (set kubesprayCommand)"])
        #expect(try events(a, "kubespray-run").isEmpty)
    }

    /// What `/healthz` reports: a run is pending until it finished and its cluster was planned again.
    @Test("a playbook run counts as pending until it finished and the cluster was planned again")
    func pendingRun() throws {
        let gate = directory.file("gate")
        let playbook = try directory.write("playbook", "#!/bin/sh\nwhile [ ! -e \(gate) ]; do sleep 0.01; done\n")
        chmod(playbook, 0o755)
        _ = try directory.write("cluster.yml", "")
        let deployer = observingDeployer(command: [playbook], directory: directory.path)
        let a = try register(1, "a", "control-plane,etcd")
        _ = try inventory.apply(.fetchUserData, to: a, source: "test")
        _ = try inventory.apply(.phoneHome, to: a, source: "test")
        deployer.drain()
        #expect(deployer.pending.value == 1, "the run")
        #expect(try inventory.machine(a)?.state == .installed)
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        try poll("the run and the pass after it") { deployer.pending.value == 0 }
        #expect(try inventory.machine(a)?.state == .ready)
        #expect(try events(a, "kubespray-run").count == 1)
    }

    @Test("without the playbook in the run directory nothing runs, and the reason names kubesprayDir")
    func noPlaybook() throws {
        let deployer = observingDeployer(command: ["/bin/true"], directory: directory.path)
        let a = try register(1, "a", "control-plane,etcd")
        _ = try inventory.apply(.fetchUserData, to: a, source: "test")
        _ = try inventory.apply(.phoneHome, to: a, source: "test")
        deployer.drain()
        #expect(try inventory.machine(a)?.state == .installed)
        #expect(try events(a, "kubespray-not-run").map(\.detail)
                == ["cluster kb: no cluster.yml in \(directory.path): point kubesprayDir (--kubespray-dir) at a kubespray checkout"])
        #expect(try events(a, "kubespray-run").isEmpty)
    }
}
