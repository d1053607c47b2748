import Foundation
import Glibc
import TestSupport
import Testing
import Wire

/// The playbook runs, with a test double for ansible-playbook that records its arguments and
/// exits with the code in a file: cluster.yml once the whole new cluster is installed, scale.yml
/// for a node added later, a failed run, and an even etcd count that stops everything.
@Suite(.timeLimit(.minutes(5))) struct KubesprayPlaybookRunTests {
    @Test func clusterThenScaleThenFailureThenInvalid() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let calls = scratch.path + "/calls"
        let exitCode = scratch.path + "/exit-code"
        let playbook = scratch.path + "/fake-playbook"
        try """
            #!/bin/sh
            # A stand-in for ansible-playbook: records its arguments and where it ran, checks the
            # inventory it was given exists, then exits with the code in \(exitCode) (default 0).
            [ "$2" = -i ] && [ -f "$3" ] || { echo "no inventory at $3"; exit 90; }
            echo "$* @ $(pwd)" >> \(calls)
            echo "PLAY RECAP for $*"
            code=$(cat \(exitCode) 2>/dev/null || echo 0)
            [ "$code" = 0 ] || echo "fatal: [node7]: UNREACHABLE! simulated"
            exit $code
            """.write(toFile: playbook, atomically: true, encoding: .utf8)
        chmod(playbook, 0o755)
        // Where kubespray's playbooks would be (a checkout): the double only needs them to exist.
        let checkout = scratch.path + "/kubespray"
        try FileManager.default.createDirectory(atPath: checkout, withIntermediateDirectories: true)
        for playbook in ["cluster.yml", "scale.yml"] { try "".write(toFile: "\(checkout)/\(playbook)", atomically: true, encoding: .utf8) }
        let config = scratch.path + "/config.json"
        try #"{"kubesprayCommand": ["\#(playbook)", "-b"], "kubesprayTimeout": "30", "kubesprayDir": "\#(checkout)"}"#
            .write(toFile: config, atomically: true, encoding: .utf8)

        let lab = try ClusterLab(extraArguments: ["--config", config])
        defer { lab.remove() }
        func recorded() -> [String] {
            ((try? String(contentsOfFile: calls, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        let clusterDir = lab.server.dataDir + "/clusters/lab"
        let inventory = clusterDir + "/inventory.ini"
        try lab.ctl(["cluster", "create", "lab", "--kind", "kubespray"])
        let members = [("52:54:00:00:90:01", "cp1", "control-plane,etcd"), ("52:54:00:00:90:02", "cp2", "control-plane,etcd"),
                       ("52:54:00:00:90:03", "cp3", "control-plane,etcd"), ("52:54:00:00:90:04", "node1", "node"),
                       ("52:54:00:00:90:05", "node2", "node")]
        for (index, (mac, name, role)) in members.enumerated() { try lab.register(mac, name, role: role, ip: "10.0.0.\(index + 1)") }

        // A new cluster is deployed once, when no member is still installing.
        for (mac, _, _) in members.dropLast() { try lab.install(mac) }
        // The barrier: the deployer has planned every change so far (and would have run by now).
        try lab.server.waitUntilIdle()
        #expect(recorded().isEmpty)
        #expect(try members.dropLast().allSatisfy { try lab.state($0.0) == "installed" }, "the four wait for the fifth")
        try lab.install(members.last!.0)
        try lab.waitFor("all five ready") { try members.allSatisfy { try lab.state($0.0) == "ready" } }
        #expect(recorded() == ["-b -i \(inventory) cluster.yml @ \(checkout)"])
        let cp1Events = try lab.events(members[0].0)
        #expect(cp1Events.contains { $0["event"] == .string("kubespray-run") && $0["detail"]?.stringValue?.hasPrefix("cluster.yml for cluster lab, log \(clusterDir)/runs/") == true })
        let ready = try #require(cp1Events.last)
        #expect(ready["event"] == .string("hooks-succeeded") && ready["source"] == .string("kubespray"))
        #expect(ready["detail"]?.stringValue?.hasPrefix("cluster.yml exit 0 after") == true, "\(ready)")

        // A node added later: scale.yml limited to it.
        try lab.register("52:54:00:00:90:06", "node6", role: "node", ip: "10.0.0.6")
        try lab.install("52:54:00:00:90:06")
        try lab.waitFor("node6 ready") { try lab.state("52:54:00:00:90:06") == "ready" }
        #expect(recorded().last == "-b -i \(inventory) scale.yml --limit node6 @ \(checkout)")
        #expect(recorded().count == 2)
        let inventoryText = try String(contentsOfFile: inventory, encoding: .utf8)
        #expect(inventoryText.contains("node6 ansible_host=10.0.0.6 ip=10.0.0.6 access_ip=10.0.0.6"))
        #expect(try String(contentsOfFile: clusterDir + "/hosts.yaml", encoding: .utf8).contains("    \"node6\":\n      ansible_host: 10.0.0.6\n"))

        // A failed run: the node is failed, with the end of the log in its event.
        try "2".write(toFile: exitCode, atomically: true, encoding: .utf8)
        try lab.register("52:54:00:00:90:07", "node7", role: "node", ip: "10.0.0.7")
        try lab.install("52:54:00:00:90:07")
        try lab.waitFor("node7 failed") { try lab.state("52:54:00:00:90:07") == "failed" }
        let failure = try #require(try lab.events("52:54:00:00:90:07").last)
        #expect(failure["event"] == .string("hooks-failed"))
        let detail = failure["detail"]?.stringValue ?? ""
        #expect(detail.hasPrefix("scale.yml exit 2 after") && detail.contains("fatal: [node7]: UNREACHABLE! simulated"), "\(detail)")
        let logs = try FileManager.default.contentsOfDirectory(atPath: clusterDir + "/runs").sorted()
        #expect(logs.count == 3 && logs[0].hasSuffix("-cluster.yml.log") && logs[2].hasSuffix("-scale.yml.log"), "\(logs)")
        #expect(try String(contentsOfFile: clusterDir + "/runs/" + logs[2], encoding: .utf8).contains("PLAY RECAP for -b -i"))

        // An even etcd count: recorded on the machine that made it, files left as they were, nothing run.
        try "0".write(toFile: exitCode, atomically: true, encoding: .utf8)
        try lab.register("52:54:00:00:90:08", "etcd4", role: "etcd", ip: "10.0.0.8")
        try lab.waitFor("inventory-invalid") {
            try lab.events("52:54:00:00:90:08").contains { $0["event"] == .string("inventory-invalid") }
        }
        let invalid = try lab.events("52:54:00:00:90:08").first { $0["event"] == .string("inventory-invalid") }
        #expect(invalid?["detail"]?.stringValue?.contains("Stop if even number of etcd hosts: etcd has 4") == true, "\(String(describing: invalid))")
        try lab.install("52:54:00:00:90:08")
        try lab.server.waitUntilIdle()
        #expect(recorded().count == 3)
        #expect(try lab.state("52:54:00:00:90:08") == "installed")
        #expect(!(try String(contentsOfFile: inventory, encoding: .utf8)).contains("etcd4"))
    }
}
