import Testing
import Clusters
import Wire

@Suite("kubespray inventory")
struct KubesprayInventoryTests {
    @Test("3+2 cluster as inventory.ini, hosts ordered by name")
    func ini() throws {
        let inventory = try KubesprayInventory(members: threePlusTwo())
        #expect(inventory.ini == """
            # Written by provisiond from the cluster's members; changes here are overwritten.
            [all]
            cp1 ansible_host=10.0.0.1 ip=10.0.0.1 access_ip=10.0.0.1
            cp2 ansible_host=10.0.0.2 ip=10.0.0.2 access_ip=10.0.0.2
            cp3 ansible_host=10.0.0.3 ip=10.0.0.3 access_ip=10.0.0.3
            node1 ansible_host=10.0.0.4 ip=10.0.0.4 access_ip=10.0.0.4
            node2 ansible_host=10.0.0.5 ip=10.0.0.5 access_ip=10.0.0.5

            [kube_control_plane]
            cp1
            cp2
            cp3

            [kube_node]
            node1
            node2

            [etcd]
            cp1
            cp2
            cp3

            [k8s_cluster:children]
            kube_control_plane
            kube_node

            [calico_rr]

            """)
    }

    @Test("3+2 cluster as hosts.yaml in kubespray's sample layout")
    func yaml() throws {
        let inventory = try KubesprayInventory(members: threePlusTwo())
        #expect(inventory.yaml == """
            # Written by provisiond from the cluster's members; changes here are overwritten.
            all:
              hosts:
                "cp1":
                  ansible_host: 10.0.0.1
                  ip: 10.0.0.1
                  access_ip: 10.0.0.1
                "cp2":
                  ansible_host: 10.0.0.2
                  ip: 10.0.0.2
                  access_ip: 10.0.0.2
                "cp3":
                  ansible_host: 10.0.0.3
                  ip: 10.0.0.3
                  access_ip: 10.0.0.3
                "node1":
                  ansible_host: 10.0.0.4
                  ip: 10.0.0.4
                  access_ip: 10.0.0.4
                "node2":
                  ansible_host: 10.0.0.5
                  ip: 10.0.0.5
                  access_ip: 10.0.0.5
              children:
                kube_control_plane:
                  hosts:
                    "cp1":
                    "cp2":
                    "cp3":
                kube_node:
                  hosts:
                    "node1":
                    "node2":
                etcd:
                  hosts:
                    "cp1":
                    "cp2":
                    "cp3":
                k8s_cluster:
                  children:
                    kube_control_plane:
                    kube_node:
                calico_rr:
                  hosts: {}

            """)
    }

    @Test("a single all-in-one host; empty groups are written empty")
    func allInOne() throws {
        let inventory = try KubesprayInventory(members: [member(1, "solo", [.controlPlane, .etcd])])
        #expect(inventory.hosts(in: .node).isEmpty)
        #expect(inventory.yaml.contains("    kube_node:\n      hosts: {}\n"))
        #expect(inventory.ini.contains("\n[kube_node]\n\n[etcd]\nsolo\n"))
    }

    @Test("refusals read like kubespray's assertions")
    func refusals() {
        #expect(throws: KubesprayInventoryError.emptyControlPlane) {
            try KubesprayInventory(members: [member(1, "e1", [.etcd]), member(2, "n1", [.node])])
        }
        #expect(throws: KubesprayInventoryError.emptyControlPlane) { try KubesprayInventory(members: []) }
        #expect(throws: KubesprayInventoryError.emptyEtcd) { try KubesprayInventory(members: [member(1, "c1", [.controlPlane])]) }
        #expect(throws: KubesprayInventoryError.evenEtcd(hosts: ["a", "b"])) {
            try KubesprayInventory(members: [member(2, "b", [.controlPlane, .etcd]), member(1, "a", [.etcd])])
        }
        #expect(KubesprayInventoryError.evenEtcd(hosts: ["a", "b"]).description
                == "Stop if even number of etcd hosts: etcd has 2 (a, b); it needs an odd number for quorum")
        #expect(KubesprayInventoryError.emptyControlPlane.description.hasPrefix("Stop if kube_control_plane group is empty"))
    }

    @Test("hosts need an address, a role, a unique name ansible can read bare")
    func hostChecks() {
        let solo: Set<KubesprayRole> = [.controlPlane, .etcd]
        var noIP = member(1, "a", solo)
        noIP.ip = nil
        #expect(throws: KubesprayInventoryError.missingAddress(host: "a")) { try KubesprayInventory(members: [noIP]) }
        #expect(throws: KubesprayInventoryError.missingRole(host: "b")) {
            try KubesprayInventory(members: [member(1, "a", solo), member(2, "b", [])])
        }
        #expect(throws: KubesprayInventoryError.duplicateHostName("a")) {
            try KubesprayInventory(members: [member(1, "a", solo), member(2, "a", [.node])])
        }
        for bad in ["", "a b", "a=b", "-a", ".a", "a:22", "a[1:2]", "a#b", "a\"b", "ü"] {
            #expect(throws: KubesprayInventoryError.badHostName(bad), "\(bad)") { try KubesprayInventory(members: [member(1, bad, solo)]) }
        }
        #expect(throws: Never.self) { try KubesprayInventory(members: [member(1, "Node_1.lab-a", solo)]) }
    }
}
