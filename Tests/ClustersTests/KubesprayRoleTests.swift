import Testing
import Clusters

@Suite("kubespray roles")
struct KubesprayRoleTests {
    @Test("one role, several, spaces around commas")
    func parses() throws {
        #expect(try KubesprayRole.parseSet("node") == [.node])
        #expect(try KubesprayRole.parseSet("control-plane,etcd") == [.controlPlane, .etcd])
        #expect(try KubesprayRole.parseSet("etcd , node,control-plane") == Set(KubesprayRole.allCases))
    }

    @Test("unknown, empty and repeated roles are refused with the allowed ones named")
    func refuses() {
        #expect(throws: KubesprayRoleError.unknown(role: "master", input: "master,etcd")) { try KubesprayRole.parseSet("master,etcd") }
        #expect(throws: KubesprayRoleError.empty(input: "")) { try KubesprayRole.parseSet("") }
        #expect(throws: KubesprayRoleError.empty(input: "node,,etcd")) { try KubesprayRole.parseSet("node,,etcd") }
        #expect(throws: KubesprayRoleError.duplicate(role: "etcd", input: "etcd,node,etcd")) { try KubesprayRole.parseSet("etcd,node,etcd") }
        #expect(throws: KubesprayRoleError.unknown(role: "Node", input: "Node")) { try KubesprayRole.parseSet("Node") }
        let message = KubesprayRoleError.unknown(role: "server", input: "server").description
        #expect(message == "unknown kubespray role \"server\" in \"server\" (roles: control-plane, node, etcd; several joined by commas, e.g. control-plane,etcd)")
    }

    @Test("canonical text and groups")
    func text() {
        #expect(KubesprayRole.text([.etcd, .node, .controlPlane]) == "control-plane,node,etcd")
        #expect(KubesprayRole.allCases.map(\.group) == ["kube_control_plane", "kube_node", "etcd"])
    }
}
