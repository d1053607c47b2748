import Foundation
import Glibc
import Proxmox
import TestSupport
import Wire

/// One real-OS test's world: a `CloudImageLab` namespace with the release `provisiond` in full
/// DHCP mode on its bridge, a profile for one `CloudImage` (the image's kernel and initrd as
/// assets, the shipped `cloud-config.yaml` template with a test user and an SSH key made for
/// this test, a network-config), and the guests booted against it. With `imageDeploy`, also the
/// deploy environment as assets and image-kind profiles made from the shipped
/// `debian-12-image` (see `importImage`, `.deploy`).
final class CloudImageRig: @unchecked Sendable {
    enum Path: Sendable, Equatable, CustomStringConvertible {
        case proxmoxClone
        case pxe
        /// Bare metal: the deploy environment writes the profile's image to `disk` (a file the
        /// test made, whose name without extension names the guest) and the machine reboots into
        /// it; `extra`: more QEMU arguments (other disks, SMBIOS tables).
        case deploy(NetworkBootVM.Firmware, disk: String, bus: CloudImageVM.DiskBus, imageName: String, extra: [String] = [])

        /// The part of the guest's hostname that says how it booted.
        var name: String {
            switch self {
            case .proxmoxClone: "pve"
            case .pxe: "pxe"
            case let .deploy(_, disk, _, _, _): URL(fileURLWithPath: disk).deletingPathExtension().lastPathComponent
            }
        }

        var description: String { self == .proxmoxClone ? "proxmox-clone" : name }
    }

    struct Guest: Sendable {
        let path: Path
        let mac: String
        let hostname: String
        /// Reserved for the MAC in the inventory: what DHCP gives it.
        let address: String
        /// Added by the profile's network-config only.
        let extraAddress: String
        let vm: CloudImageVM
    }

    static let user = "rig"
    static let httpPort = 8080
    static let repository = NetworkBootImages.repository

    let image: CloudImage
    let files: CloudImage.Files
    let directory: TemporaryDirectory
    let lab: CloudImageLab
    let server: ServerProcess
    let key: String
    private let lock = NSLock()
    private var guests: [Guest] = []
    private var unknown: [CloudImageVM] = []

    var profileName: String { "rig-\(image.rawValue)" }
    var serverURL: String { "http://\(CloudImageLab.serverAddress):\(Self.httpPort)" }

    /// `imageDeploy`: the names of the images the deploy profiles write (one profile each, named
    /// `rig-deploy-IMAGE`); the deploy environment is built (or taken from its cache) first, and
    /// unknown machines are commissioned (`--discovery hold --commission-profile commission`, the
    /// shipped profile): recorded as `discovered`, their facts taken, then held.
    init(image: CloudImage, files: CloudImage.Files, imageDeploy: [String] = []) throws {
        self.image = image
        self.files = files
        directory = try TemporaryDirectory(inMemory: true)
        key = directory.file("id_ed25519")
        let made = try runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "rig", "-f", key])
        guard made.status == 0 else { throw TestFailure("ssh-keygen failed: \(made.stderr)") }
        let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try Self.writeProfile(image: image, files: files, publicKey: publicKey, into: directory)
        if !imageDeploy.isEmpty {
            try NetworkBootImages.buildDeployEnvironment(into: directory.file("assets/deploy-env"))
            for name in imageDeploy { try Self.writeDeployProfile(imageName: name, publicKey: publicKey, into: directory) }
            try FileManager.default.copyItem(atPath: Self.repository.path + "/profiles/commission.json", toPath: directory.file("profiles/commission.json"))
        }
        let commissioning = imageDeploy.isEmpty ? [] : ["--discovery", "hold", "--commission-profile", "commission"]
        lab = try CloudImageLab()
        let config = try directory.write("provisiond.json", """
            {"dhcp": {"mode": "full", "subnets": [
              {"cidr": "\(CloudImageLab.subnet)", "range": ["10.81.0.100", "10.81.0.150"], "router": "\(CloudImageLab.serverAddress)",
               "leaseSeconds": 3600}]}}
            """)
        do {
            server = try ServerProcess(dataDir: directory.file("data"), extraArguments: [
                "--config", config, "--dhcp-mode", "full", "--interface", lab.bridge,
                "--http-listen", "0.0.0.0:\(Self.httpPort)", "--tftp-listen", "0.0.0.0:69",
                "--profiles-dir", directory.file("profiles"), "--cloud-init-dir", directory.file("cloud-init"),
                "--assets-dir", directory.file("assets"),
            ] + commissioning, namespace: lab.namespace, metadataTrust: "address")
        } catch {
            lab.remove()
            throw error
        }
    }

    /// The profile: the shipped cloud-config template (copied as it ships) and this rig's
    /// network-config; the image's kernel and initrd copied in as assets.
    private static func writeProfile(image: CloudImage, files: CloudImage.Files, publicKey: String, into dir: TemporaryDirectory) throws {
        let manager = FileManager.default
        for sub in ["profiles", "cloud-init", "assets/\(image.rawValue)"] {
            try manager.createDirectory(atPath: dir.file(sub), withIntermediateDirectories: true)
        }
        try manager.copyItem(atPath: files.kernel, toPath: dir.file("assets/\(image.rawValue)/vmlinuz"))
        try manager.copyItem(atPath: files.initrd, toPath: dir.file("assets/\(image.rawValue)/initrd.img"))
        try manager.copyItem(atPath: repository.path + "/cloud-init/cloud-config.yaml", toPath: dir.file("cloud-init/cloud-config.yaml"))
        try dir.write("cloud-init/rig-network-config.yaml", networkConfig)
        try dir.write("cloud-init/rig-network-interfaces", networkInterfaces)
        // The second profile asks for the shipped debian-12 profile's package, which an
        // offline machine cannot install.
        for (name, packages) in [("rig-\(image.rawValue)", [JSONValue]()), ("rig-\(image.rawValue)-offline-packages", [.string("qemu-guest-agent")])] {
            let profile = JSONValue.object([
                ("description", .string("real-OS rig: Debian \(image.rawValue) with cloud-init \(image.cloudInitMajor).x")),
                ("kernel", .string("\(image.rawValue)/vmlinuz")),
                ("initrd", .array([.string("\(image.rawValue)/initrd.img")])),
                ("cmdline", .string(pxeCommandLine)),
                ("userData", .string("cloud-config.yaml")),
                ("networkConfig", .string("rig-network-config.yaml")),
                ("networkInterfaces", .string("rig-network-interfaces")),
                ("variables", .object([("admin_user", .string(user)), ("ssh_keys", .array([.string(publicKey)])),
                                       ("timezone", .string("Etc/UTC")), ("packages", .array(packages))])),
            ])
            try dir.write("profiles/\(name).json", profile.encoded(pretty: true))
        }
    }

    /// The shipped `debian-12-image` profile (deploy environment, command line, disk rule) with
    /// this rig's image name, user and key, and the variables of the other rig profiles.
    private static func writeDeployProfile(imageName: String, publicKey: String, into dir: TemporaryDirectory) throws {
        let shippedPath = repository.path + "/profiles/debian-12-image.json"
        guard let data = FileManager.default.contents(atPath: shippedPath), let shipped = try? JSONParser.parse([UInt8](data)),
              case let .object(members) = shipped else { throw TestFailure("cannot read \(shippedPath)") }
        let profile = JSONValue.object(members.map { name, value -> (String, JSONValue) in
            switch name {
            case "image": (name, .object((value.objectValue ?? []).map { $0.0 == "name" ? ($0.0, .string(imageName)) : $0 }))
            case "variables": (name, .object((value.objectValue ?? []).map { member -> (String, JSONValue) in
                switch member.0 {
                case "admin_user": (member.0, .string(user))
                case "ssh_keys": (member.0, .array([.string(publicKey)]))
                default: member
                }
            }))
            default: (name, value)
            }
        })
        try dir.write("profiles/rig-deploy-\(imageName).json", profile.encoded(pretty: true))
    }

    /// `provisionctl image import NAME --file FILE`, which waits until the import has ended.
    func importImage(_ name: String, file: String) throws {
        let imported = try server.ctl(["image", "import", name, "--file", file])
        guard imported.status == 0 else {
            throw TestFailure("provisionctl image import \(name) failed (\(imported.status)): \(imported.stderr) \(imported.stdout)")
        }
    }

    /// The disk has no boot loader: `root=` names it. `net.ifnames=0` makes the NIC `eth0` on
    /// both paths, the name the network-config uses. `mitigations=off`: a test guest runs only
    /// what the test put there, and under TCG the kernel's Spectre mitigations (retpolines on
    /// QEMU's CPU model) cost 15–20 % of a guest's CPU (SystemdServiceTests' guest: 109 and 113
    /// CPU s with them, 86 and 97 without).
    static let baseCommandLine = "root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off"
    static let pxeCommandLine = baseCommandLine + " {{ nocloud_seed }}"

    /// One network configuration in both forms: a static address that only this config gives
    /// (not the one DHCP hands out), so an SSH login there shows it was applied. cloud-init 24.1+
    /// fetches `network-config` (v2 here); 22.4 reads only meta-data's `network-interfaces` (ENI).
    /// No gateway: 22.4 renders an ENI `gateway` as netplan's deprecated `gateway4`, and netplan
    /// warns (logged by cloud-init as a WARNING); the guests are reached on their own subnet.
    static let networkConfig = """
        version: 2
        ethernets:
          eth0:
            match:
              macaddress: {{ machine.mac }}
            addresses: [{{ machine.labels.extra_address | raw }}/24]
        """
    static let networkInterfaces = """
        auto eth0
        iface eth0 inet static
            address {{ machine.labels.extra_address }}/24
        """

    /// Registers a machine for `path` and powers it on; `offlinePackages`: with the profile
    /// whose packages step cannot succeed here.
    func boot(_ path: Path, mac: String, offlinePackages: Bool = false) throws -> Guest {
        let number = lock.withLock { guests.count + 1 }
        let hostname = "rig-\(image.rawValue)-\(path.name)" + (offlinePackages ? "-apt" : "")
        let address = "10.81.0.\(20 + number)"
        let extra = "10.81.0.\(200 + number)"
        let boot: CloudImageVM.Boot
        var profileName = self.profileName + (offlinePackages ? "-offline-packages" : "")
        switch path {
        case .proxmoxClone: boot = .seeded(files, append: Self.baseCommandLine, smbiosSerial: try Self.smbiosSerial(server: serverURL, mac: mac))
        case .pxe: boot = .network(files)
        case let .deploy(firmware, disk, bus, imageName, extra):
            boot = .deploy(firmware, disk: disk, bus: bus, extra: extra)
            profileName = "rig-deploy-\(imageName)"
        }
        let registered = try server.ctl(["register", mac, "--hostname", hostname, "--profile", profileName, "--ip", address,
                                         "--label", "extra_address=\(extra)"])
        guard registered.status == 0 else { throw TestFailure("provisionctl register \(mac) failed: \(registered.stderr)") }
        let vm = try CloudImageVM(name: hostname, boot: boot, mac: mac, lab: lab, directory: directory.file(hostname))
        let guest = Guest(path: path, mac: mac, hostname: hostname, address: address, extraAddress: extra, vm: vm)
        lock.withLock { guests.append(guest) }
        return guest
    }

    /// The SMBIOS serial exactly as `provisionctl proxmox vm create` sets it: NoCloudSeed's
    /// smbios1 value, its base64 `serial` decoded.
    static func smbiosSerial(server: String, mac: String) throws -> String {
        let smbios1 = NoCloudSeed.smbios1(existing: "uuid=9d1f0c3e-0000-4000-8000-000000000001",
                                          seedURL: NoCloudSeed.seedURL(server: server, mac: mac))
        let field = smbios1.split(separator: ",").first { $0.hasPrefix("serial=") }.map { String($0.dropFirst(7)) }
        guard let field, let data = Data(base64Encoded: field), let serial = String(data: data, encoding: .utf8) else {
            throw TestFailure("no base64 serial in smbios1 \(smbios1)")
        }
        return serial
    }

    /// Polls the machine's state until it is one of `states` or `seconds` pass; the last state seen.
    /// Once a second: each poll is a provisionctl process, and a wait lasts minutes beside QEMU
    /// machines that need every cycle.
    func waitForState(_ mac: String, _ states: Set<String>, seconds: Double) -> String? {
        var state: String?
        _ = eventually(seconds: seconds, every: 1) {
            state = (try? JSONParser.parse(try server.ctl(["show", mac, "--json"]).stdout))?["state"]?.stringValue
            return state.map(states.contains) ?? false
        }
        return state
    }

    func events(_ mac: String) -> [JSONValue] {
        (try? JSONParser.parse(try server.ctl(["events", mac, "--json"]).stdout))?.arrayValue ?? []
    }

    func eventsText(_ mac: String) -> String {
        (try? server.ctl(["events", mac]).stdout) ?? "?"
    }

    /// `ssh user@ADDRESS COMMAND` from provisiond's namespace with the test's key, retried until
    /// it connects or `seconds` pass (sshd may still be starting). The key exchange is plain
    /// X25519: the post-quantum hybrids OpenSSH prefers (sntrup761, ML-KEM) cost the guest seconds
    /// of CPU under TCG.
    func ssh(to address: String, command: String, seconds: Double = 60) -> ProcessResult {
        var result = ProcessResult(status: -1, stdout: "", stderr: "ssh did not run")
        _ = eventually(seconds: seconds, every: 1) {
            guard let ran = try? lab.run("ssh", ["-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                                                "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR", "-o", "KexAlgorithms=curve25519-sha256",
                                                "\(Self.user)@\(address)", command]) else { return false }
            result = ran
            // 255: ssh itself failed (no route yet, refused): try again.
            return ran.status != 255
        }
        return result
    }

    /// Powers on a machine provisiond does not know, network boot first (its disk `disk` on
    /// `bus`, `extra` QEMU arguments): what commissioning finds.
    func powerOnUnknown(_ firmware: NetworkBootVM.Firmware, disk: String, bus: CloudImageVM.DiskBus, extra: [String], mac: String, name: String) throws -> CloudImageVM {
        let vm = try CloudImageVM(name: name, boot: .deploy(firmware, disk: disk, bus: bus, extra: extra), mac: mac, lab: lab,
                                  directory: directory.file(name))
        lock.withLock { unknown.append(vm) }
        return vm
    }

    func diagnostics(_ guest: Guest) -> String {
        """
        machine state: \((try? server.ctl(["show", guest.mac, "--json"]).stdout) ?? "?")
        --- events ---
        \(eventsText(guest.mac))
        --- verdict port ---
        \(guest.vm.verdictText.suffix(4000))
        --- console (\(guest.vm.consolePath)), last lines ---
        \(Self.tail(guest.vm.console, 40))
        --- provisiond log, last lines ---
        \(Self.tail(server.log, 30))
        --- \(guest.vm.commandLine) ---
        \(Self.tail(guest.vm.qemuLog, 10))
        """
    }

    static func tail(_ text: String, _ count: Int) -> String {
        text.split(separator: "\n").suffix(count).map { String($0.prefix(300)) }.joined(separator: "\n")
    }

    /// Stops every guest, provisiond, and the namespace; removes the files.
    func remove() {
        for guest in lock.withLock({ guests }) { guest.vm.stop() }
        for vm in lock.withLock({ unknown }) { vm.stop() }
        server.stop()
        lab.remove()
        directory.remove()
    }
}
