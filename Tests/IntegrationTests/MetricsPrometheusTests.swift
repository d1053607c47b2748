import Foundation
import Glibc
import Inventory
import TestSupport
import Testing
import Wire

/// `/metrics` as Prometheus sees it: provisiond in one namespace serves DHCP (full mode), TFTP
/// and an install to a client in another; `promtool check metrics` accepts what it renders, and
/// a real Prometheus server in the client's namespace scrapes both the admin API (with the
/// token) and `--metrics-listen` (without), until its query API returns every family.
@Suite(.serialized, .timeLimit(.minutes(3))) struct MetricsPrometheusTests {
    static let families = [
        "provisiond_dhcp_requests_total", "provisiond_dhcp_malformed_total", "provisiond_dhcp_kernel_drops_total",
        "provisiond_dhcp_leases", "provisiond_tftp_transfers_total", "provisiond_tftp_sent_bytes_total",
        "provisiond_tftp_errors_total", "provisiond_tftp_retransmits_total", "provisiond_tftp_kernel_drops_total",
        "provisiond_http_requests_total", "provisiond_http_request_duration_seconds_bucket",
        "provisiond_machines", "provisiond_lifecycle_transitions_total", "provisiond_install_duration_seconds_count",
        "provisiond_hook_runs_total", "provisiond_kubespray_runs_total", "provisiond_proxmox_operations_total",
        "provisiond_sqlite_commit_duration_seconds_bucket", "process_resident_memory_bytes", "process_open_fds", "process_threads",
    ]

    @Test func promtoolAcceptsAndPrometheusScrapesEveryFamily() throws {
        let lab = try NetworkLab(clientMAC: "52:54:00:b0:00:01")
        defer { lab.remove() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try Self.startServer(lab, dir)
        defer { server.stop() }
        let mac = lab.clientMAC
        #expect(try server.ctl(["register", mac, "--hostname", "m1", "--profile", "tiny"]).status == 0)

        // Traffic for every plane: a DHCP lease (udhcpc), an install (script, user-data,
        // phone-home; the hook then makes it ready), one TFTP download and one refusal.
        let script = try dir.write("udhcpc.sh", "#!/bin/sh\n[ \"$1\" = bound ] && ip addr add \"$ip/$mask\" dev \"$interface\"\nexit 0\n")
        chmod(script, 0o755)
        let lease = try lab.inClient(try toolPath("busybox"), ["udhcpc", "-i", lab.clientInterface, "-n", "-q", "-f", "-s", script])
        #expect(lease.status == 0, "udhcpc: \(lease.stdout) \(lease.stderr)")
        let boot = "http://10.77.0.1:8080"
        #expect(try lab.inClient("curl", ["-sf", "-o", "/dev/null", "\(boot)/boot.ipxe?mac=\(mac)"]).status == 0)
        #expect(try lab.inClient("curl", ["-sf", "-o", "/dev/null", "\(boot)/cloud-init/\(mac)/user-data"]).status == 0)
        let token = try #require(try Inventory(path: server.dataDir + "/provision.db").machine(try MACAddress(mac))).installToken
        #expect(try lab.inClient("curl", ["-sf", "-o", "/dev/null", "-d", "instance_id=i-1", "\(boot)/cloud-init/\(mac)/phone-home?token=\(token)"]).status == 0)
        #expect(try lab.inClient("curl", ["-sf", "-o", "/dev/null", "tftp://10.77.0.1/undionly.kpxe"]).status == 0)
        #expect(try lab.inClient("curl", ["-s", "-o", "/dev/null", "tftp://10.77.0.1/no-such-file"]).status != 0)
        try server.waitUntilIdle()
        var shown = ""
        try poll("the machine to be ready: \(shown)") {
            shown = try server.ctl(["show", mac, "--json"]).stdout
            return try JSONParser.parse(shown)["state"] == .string("ready")
        }

        // The admin API wants its token for /metrics; --metrics-listen serves it (only) without one.
        let adminMetrics = "http://10.77.0.1:\(server.adminPort)/metrics"
        #expect(try lab.inClient("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", adminMetrics]).stdout == "401")
        #expect(try lab.inClient("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://10.77.0.1:9101/api/v1/machines"]).stdout == "404")
        let scrape = try lab.inClient("curl", ["-sf", "-D", dir.file("headers"), "http://10.77.0.1:9101/metrics"])
        #expect(scrape.status == 0)
        let headers = try String(contentsOfFile: dir.file("headers"), encoding: .utf8)
        #expect(headers.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"), "\(headers)")
        let text = scrape.stdout
        func value(_ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
        }
        // Exact where nothing can repeat; at least once where a client may retransmit under load.
        let exact: [(String, Double)] = [
            ("provisiond_dhcp_leases{subnet=\"10.77.0.0/24\"}", 1), ("provisiond_dhcp_malformed_total", 0),
            ("provisiond_tftp_transfers_total{outcome=\"completed\"}", 1), ("provisiond_tftp_errors_total{code=\"1\"}", 1),
            ("provisiond_http_requests_total{listener=\"http\",route=\"boot-script\",status=\"200\"}", 1),
            ("provisiond_http_requests_total{listener=\"http\",route=\"cloud-init\",status=\"200\"}", 2),
            ("provisiond_http_requests_total{listener=\"admin\",route=\"metrics\",status=\"401\"}", 1),
            ("provisiond_machines{state=\"ready\"}", 1), ("provisiond_machines{state=\"booting\"}", 0),
            ("provisiond_lifecycle_transitions_total{event=\"phone-home\",from=\"installing\",to=\"installed\"}", 1),
            ("provisiond_lifecycle_transitions_total{event=\"hooks-succeeded\",from=\"installed\",to=\"ready\"}", 1),
            ("provisiond_install_duration_seconds_count", 1),
            ("provisiond_kubespray_runs_total{playbook=\"cluster.yml\",outcome=\"failed\"}", 0),
            ("provisiond_proxmox_operations_total{operation=\"vm-create\",outcome=\"ok\"}", 0),
        ]
        for (series, expected) in exact {
            let found = value(series)
            #expect(found == expected, "\(series) is \(String(describing: found))")
        }
        let undionly = try #require(FileManager.default.attributesOfItem(atPath: "/usr/lib/ipxe/undionly.kpxe")[.size] as? Int)
        let atLeastOnce: [(String, Double)] = [
            ("provisiond_dhcp_requests_total{type=\"DHCPDISCOVER\",reply=\"DHCPOFFER\"}", 1),
            ("provisiond_dhcp_requests_total{type=\"DHCPREQUEST\",reply=\"DHCPACK\"}", 1),
            ("provisiond_hook_runs_total{outcome=\"ok\"}", 1), ("provisiond_tftp_sent_bytes_total", Double(undionly)),
            ("provisiond_sqlite_commit_duration_seconds_count", 1), ("process_resident_memory_bytes", 1_048_576),
            ("process_open_fds", 5), ("process_threads", 2),
            // The boot script's and phone-home's transitions waited for their commits off the loop.
            ("provisiond_http_requests_off_loop_total{listener=\"http\",how=\"waited\"}", 1),
        ]
        for (series, atLeast) in atLeastOnce {
            let found = value(series) ?? -1
            #expect(found >= atLeast, "\(series) is \(found) (-1: missing)")
        }

        let scraped = try dir.write("scrape.txt", text)
        let promtool = try runTool("sh", ["-c", "promtool check metrics < \(scraped)"])
        #expect(promtool.status == 0, "promtool: \(promtool.stdout) \(promtool.stderr)")

        // A real Prometheus, one scrape a second of both endpoints.
        let config = try dir.write("prometheus.yml", """
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: admin
                authorization: {type: Bearer, credentials_file: \(server.tokenPath)}
                static_configs: [{targets: ["10.77.0.1:\(server.adminPort)"]}]
              - job_name: metrics-listener
                static_configs: [{targets: ["10.77.0.1:9101"]}]
            """)
        let prometheus = try NamespaceDaemon("prometheus", [
            "--config.file=\(config)", "--storage.tsdb.path=\(dir.file("tsdb"))", "--web.listen-address=127.0.0.1:9090",
        ], namespace: lab.client)
        defer { prometheus.stop() }
        var seen: [String: Set<String>] = [:]
        try poll("Prometheus to hold every family from both jobs (seen: \(seen)); its log: \(prometheus.log)", seconds: 90, every: 0.25) {
            seen = try Self.seriesNames(lab)
            return ["admin", "metrics-listener"].allSatisfy { job in Set(Self.families).isSubset(of: seen[job] ?? []) }
        }
        let ready = try Self.query(lab, "provisiond_machines{job=\"admin\",state=\"ready\"}")
        #expect(ready.first?["value"]?.arrayValue?.last == .string("1"))
    }

    /// The series names each job has, from one query.
    private static func seriesNames(_ lab: NetworkLab) throws -> [String: Set<String>] {
        var names: [String: Set<String>] = [:]
        for sample in try query(lab, #"count by (__name__, job) ({__name__=~"provisiond_.+|process_.+"})"#) {
            guard let job = sample["metric"]?["job"]?.stringValue, let name = sample["metric"]?["__name__"]?.stringValue else { continue }
            names[job, default: []].insert(name)
        }
        return names
    }

    /// `/api/v1/query`'s result vector; empty while Prometheus is not up yet.
    private static func query(_ lab: NetworkLab, _ expression: String) throws -> [JSONValue] {
        let answer = try lab.inClient("curl", ["-s", "-G", "--data-urlencode", "query=\(expression)", "http://127.0.0.1:9090/api/v1/query"])
        guard answer.status == 0, let json = try? JSONParser.parse(answer.stdout) else { return [] }
        return json["data"]?["result"]?.arrayValue ?? []
    }

    private static func startServer(_ lab: NetworkLab, _ dir: TemporaryDirectory) throws -> ServerProcess {
        for folder in ["profiles", "cloud-init", "data/hooks", "data/assets/tiny"] {
            try FileManager.default.createDirectory(atPath: dir.file(folder), withIntermediateDirectories: true)
        }
        _ = try dir.write("profiles/tiny.json", """
            {"kernel": "tiny/vmlinuz", "initrd": ["tiny/initrd"], "cmdline": "console=ttyS0", "userData": "tiny.yaml"}
            """)
        _ = try dir.write("cloud-init/tiny.yaml", "#cloud-config\nhostname: {{ machine.hostname }}\n")
        chmod(try dir.write("data/hooks/ok", "#!/bin/sh\nexit 0\n"), 0o755)
        let config = try dir.write("provisiond.json", """
            {"dhcp": {"subnets": [{"cidr": "10.77.0.0/24", "range": ["10.77.0.100", "10.77.0.150"], "router": "10.77.0.1",
                                   "leaseSeconds": 3600}]}}
            """)
        return try ServerProcess(dataDir: dir.file("data"), extraArguments: [
            "--config", config, "--dhcp-mode", "full", "--interface", lab.serverInterface, "--http-listen", "0.0.0.0:8080",
            "--tftp-listen", "0.0.0.0:69", "--admin-listen", "10.77.0.1:0", "--metrics-listen", "10.77.0.1:9101",
            "--profiles-dir", dir.file("profiles"), "--cloud-init-dir", dir.file("cloud-init"), "--server-url", "http://10.77.0.1:8080",
        ], namespace: lab.server)
    }
}
