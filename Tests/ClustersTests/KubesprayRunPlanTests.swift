import Testing
import Clusters

@Suite("kubespray run plan")
struct KubesprayRunPlanTests {
    private func decide(_ members: [KubesprayMember], running: Bool = false) throws -> KubesprayRunDecision {
        KubesprayRunPlan.decide(try KubesprayInventory(members: members), runInProgress: running)
    }

    @Test("a run in progress: nothing else starts")
    func running() throws {
        #expect(try decide(threePlusTwo(.installed), running: true) == .none("a run is in progress"))
    }

    @Test("nothing installed: nothing to run")
    func nothingInstalled() throws {
        #expect(try decide(threePlusTwo(.pending)) == .none("no member is waiting to be deployed"))
        #expect(try decide(threePlusTwo(.ready)) == .none("no member is waiting to be deployed"))
        #expect(try decide(threePlusTwo(.failed)) == .none("no member is waiting to be deployed"))
    }

    @Test("a new cluster waits until no member is pending")
    func newClusterWaits() throws {
        var members = threePlusTwo(.installed)
        members[0].phase = .pending
        members[2].phase = .pending
        #expect(try decide(members) == .none("waiting for node1, node2 to finish installing before the first deployment"))
    }

    @Test("a new cluster: cluster.yml over the whole inventory, deploying every installed member")
    func newCluster() throws {
        let decision = try decide(threePlusTwo(.installed))
        guard case .run(let run) = decision else { Issue.record("\(decision)"); return }
        #expect(run.arguments == ["cluster.yml"])
        #expect(Set(run.targets) == Set((1...5).map(mac)))
        // A failed member does not block it and is not a target.
        var members = threePlusTwo(.installed)
        members[0].phase = .failed
        #expect(try decide(members) == .run(KubesprayRun(playbook: .cluster, limit: [], targets: [1, 2, 3, 4].map(mac))))
    }

    @Test("nodes installed after the cluster is ready: scale.yml limited to them, pending ones not awaited")
    func scale() throws {
        let members = threePlusTwo(.ready) + [member(7, "node4", [.node], .installed), member(6, "node3", [.node], .installed),
                                              member(8, "node5", [.node], .pending)]
        let decision = try decide(members)
        #expect(decision == .run(KubesprayRun(playbook: .scale, limit: ["node3", "node4"], targets: [mac(6), mac(7)])))
        if case .run(let run) = decision { #expect(run.arguments == ["scale.yml", "--limit", "node3,node4"]) }
    }

    @Test("a control-plane or etcd member added later: cluster.yml (kubespray adds those with cluster.yml)")
    func laterControlPlane() throws {
        let members = threePlusTwo(.ready) + [member(6, "cp4", [.controlPlane], .installed), member(7, "node3", [.node], .installed)]
        #expect(try decide(members) == .run(KubesprayRun(playbook: .cluster, limit: [], targets: [mac(6), mac(7)])))
        let etcd = threePlusTwo(.ready) + [member(6, "e4", [.etcd], .installed), member(7, "e5", [.etcd, .node], .installed)]
        #expect(try decide(etcd) == .run(KubesprayRun(playbook: .cluster, limit: [], targets: [mac(6), mac(7)])))
    }
}
