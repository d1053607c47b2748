import Foundation

extension NetworkBootLab {
    /// provisiond in the lab's namespace, answering DHCP (full mode) on its tap, with the
    /// `netboot` profile: the kernel and initramfs of `scripts/build-netboot-initramfs` in
    /// `assets/netboot`, whose `/init` installs by fetching cloud-init and phoning home.
    func startNetbootServer(in directory: String, assets: String, extraArguments: [String] = []) throws -> ServerProcess {
        let profiles = directory + "/profiles"
        let templates = directory + "/cloud-init"
        for path in [profiles, templates] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        // `panic=-1`: should /init die, the kernel reboots at once and QEMU (-no-reboot) exits.
        // `mitigations=off`: as CloudImageRig.baseCommandLine says.
        try #"""
            {"description": "network boot test: Debian's netboot kernel and a busybox installer",
             "kernel": "netboot/linux", "initrd": ["netboot/initramfs.gz"],
             "cmdline": "console=ttyS0 panic=-1 mitigations=off {{ nocloud_seed }}",
             "userData": "netboot-user-data.yaml"}
            """#.write(toFile: profiles + "/netboot.json", atomically: true, encoding: .utf8)
        // What scripts/netboot-init.sh reads: cloud-init's phone_home url, and where to report a failure.
        try """
            #cloud-config
            hostname: {{ machine.hostname }}
            failed_url: {{ failed_url }}
            phone_home:
              url: {{ phone_home_url }}
              post: [instance_id, hostname]
            """.write(toFile: templates + "/netboot-user-data.yaml", atomically: true, encoding: .utf8)
        let config = directory + "/provisiond.json"
        try """
            {"dhcp": {"mode": "full", "subnets": [
              {"cidr": "\(NetworkBootLab.subnet)", "range": ["10.79.0.100", "10.79.0.150"], "router": "\(NetworkBootLab.serverAddress)",
               "leaseSeconds": 600}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        do {
            return try ServerProcess(dataDir: directory + "/data", extraArguments: [
                "--config", config, "--dhcp-mode", "full", "--interface", tap,
                "--http-listen", "0.0.0.0:8080", "--tftp-listen", "0.0.0.0:69",
                "--profiles-dir", profiles, "--cloud-init-dir", templates, "--assets-dir", assets,
            ] + extraArguments, namespace: namespace, metadataTrust: "address")
        } catch {
            throw TestFailure("step start-provisiond: \(error)")
        }
    }
}
