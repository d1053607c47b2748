import Foundation
import Testing
import Wire

/// A kubespray cluster registered in provisiond: its inventory, as provisionctl prints it and as
/// the files under clusters/NAME/ hold it, is what ansible-inventory (PyPI ansible-core) reads.
@Suite(.timeLimit(.minutes(5))) struct KubesprayAnsibleInventoryTests {
    @Test func threePlusTwoInventoryIsReadByAnsibleInventory() throws {
        let ansibleInventory = try Venv.tool("ansible-inventory")
        let lab = try ClusterLab()
        defer { lab.remove() }
        try lab.ctl(["cluster", "create", "lab", "--kind", "kubespray"])
        for index in 1...3 { try lab.register("52:54:00:00:80:0\(index)", "cp\(index)", role: "control-plane,etcd", ip: "10.0.0.\(index)") }
        for index in 1...2 { try lab.register("52:54:00:00:80:1\(index)", "node\(index)", role: "node", ip: "127.0.1.\(index)") }

        let clusterDir = lab.server.dataDir + "/clusters/lab"
        let ini = try lab.ctl(["cluster", "inventory", "lab", "--format", "ini"])
        let yaml = try lab.ctl(["cluster", "inventory", "lab", "--format", "yaml"])
        #expect(try lab.ctl(["cluster", "inventory", "lab"]) == ini)
        // The files follow every change, off the request path.
        try lab.waitFor("the inventory files") {
            (try? String(contentsOfFile: clusterDir + "/inventory.ini", encoding: .utf8)) == ini
                && (try? String(contentsOfFile: clusterDir + "/hosts.yaml", encoding: .utf8)) == yaml
        }

        for file in ["inventory.ini", "hosts.yaml"] {
            let result = try runProgram(ansibleInventory, ["-i", clusterDir + "/" + file, "--list"], environment: ["HOME": lab.directory.path])
            try #require(result.status == 0, "ansible-inventory \(file): \(result.stderr)")
            let list = try JSONParser.parse(result.stdout)
            func hosts(_ group: String) -> [String] { list[group]?["hosts"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
            #expect(hosts("kube_control_plane") == ["cp1", "cp2", "cp3"], "\(file)")
            #expect(hosts("etcd") == ["cp1", "cp2", "cp3"], "\(file)")
            #expect(hosts("kube_node") == ["node1", "node2"], "\(file)")
            #expect(Set(list["k8s_cluster"]?["children"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ["kube_control_plane", "kube_node"], "\(file)")
            let vars = list["_meta"]?["hostvars"]
            for host in ["cp1", "cp2", "cp3", "node1", "node2"] {
                let ip = host.hasPrefix("cp") ? "10.0.0.\(host.last!)" : "127.0.1.\(host.last!)"
                for key in ["ansible_host", "ip", "access_ip"] {
                    #expect(vars?[host]?[key] == .string(ip), "\(file) \(host) \(key)")
                }
            }
        }

        // Errors: bad format, unknown cluster, and an invalid membership (4 etcd) answered with
        // kubespray's own words.
        let badFormat = try lab.server.ctl(["cluster", "inventory", "lab", "--format", "toml"])
        #expect(badFormat.status != 0 && badFormat.stderr.contains("toml"), "\(badFormat.stderr)")
        #expect(try lab.server.ctl(["cluster", "inventory", "nope"]).stderr.contains("no cluster named nope"))
        try lab.register("52:54:00:00:80:04", "cp4", role: "etcd", ip: "10.0.0.4")
        let invalid = try lab.server.ctl(["cluster", "inventory", "lab"])
        #expect(invalid.status == 1 && invalid.stderr.contains("Stop if even number of etcd hosts"), "\(invalid.stderr)")
    }
}
