import Foundation
import Glibc
import Proxmox
import TestSupport
import Testing
import Wire

/// Real cloud-init in a real OS (issue 11): Debian 12 (cloud-init 22.4) and Debian 13 (cloud-init
/// 25.x) disk images from `scripts/build-cloud-image` boot under QEMU (TCG) against the release
/// `provisiond` in full DHCP mode, both ways a machine meets provisiond, at once:
/// - the Proxmox-clone path: the image's kernel boots from its disk's files with a plain command
///   line, and the NoCloud seed is the SMBIOS system serial, byte for byte what `NoCloudSeed`
///   puts in a VM's smbios1 (decoded from its base64);
/// - the PXE path: SeaBIOS → Debian's iPXE ROM → provisiond's DHCP → `/boot.ipxe` → the image's
///   kernel and initrd served as assets with the profile's command line (the seed in it).
/// The profile is the shipped `cloud-config.yaml` template with a test user and key, plus a
/// network-config. Each guest must end `ready` in the inventory with cloud-init's own verdict
/// (read inside the guest: `status: done`, no errors, no WARNING or deprecation in
/// cloud-init.log), moved on by the image's own report of that verdict, its hostname set, the
/// user made, an SSH key login from provisiond's namespace, and the profile's network
/// configuration applied. A third Debian 13 guest whose profile installs a package with no mirror
/// in reach must end `failed` with apt's error.
@Suite(.serialized, .timeLimit(.minutes(45))) struct CloudImageTests {
    /// From power-on to cloud-init's verdict on the serial port: a bound, not an expectation.
    /// Measured alone under TCG: 45–120 s; in .ci/run beside the other lanes 300–420 s here, and
    /// 544–600 s on a CI machine 1.5× slower than ours (2026-11-30), where 600 was the bound.
    static let verdictSeconds: Double = 1500

    @Test(arguments: CloudImage.allCases)
    func bothBootPathsEndReadyWithCloudInitDone(image: CloudImage) throws {
        CloudImage.prebuildAll()
        let files = try image.files()
        let rig = try CloudImageRig(image: image, files: files)
        defer { rig.remove() }

        let guests = [
            try rig.boot(.proxmoxClone, mac: "52:54:00:c1:\(image.macOctet):01"),
            try rig.boot(.pxe, mac: "52:54:00:c1:\(image.macOctet):02"),
        ]
        // One real failure, on the faster image only (a third guest in the same round): the
        // shipped debian-12 profile's package on a machine with no mirror.
        let failing = image == .trixie ? try rig.boot(.proxmoxClone, mac: "52:54:00:c1:\(image.macOctet):03", offlinePackages: true) : nil
        for guest in guests { try check(guest, rig, image) }
        if let failing { try checkFailed(failing, rig, image) }
    }

    /// A packages step that fails: cloud-init says `error`, and its report moves the machine to
    /// `failed` with the failing module and package in the event, decoded.
    private func checkFailed(_ guest: CloudImageRig.Guest, _ rig: CloudImageRig, _ image: CloudImage) throws {
        let what = "\(image.rawValue) \(guest.path) with an offline packages step"
        guard let verdict = guest.vm.waitForVerdict(seconds: Self.verdictSeconds - Date().timeIntervalSince(guest.vm.started)) else {
            Issue.record("\(what): no cloud-init verdict within \(Int(Self.verdictSeconds)) s of power-on.\n\(rig.diagnostics(guest))")
            return
        }
        print("CloudImageTests: \(what): verdict after \(String(format: "%.1f", Date().timeIntervalSince(guest.vm.started))) s")
        #expect(verdict.status == "error" && verdict.errors.contains { $0.contains("package") }, "\(what): \(verdict["status"])")
        let state = rig.waitForState(guest.mac, ["ready", "failed"], seconds: 180)
        let failed = rig.events(guest.mac).last { $0["event"]?.stringValue == "install-failed" }?["detail"]?.stringValue ?? ""
        // The module is package_update_upgrade_install in 22.4's result.json, package-update-upgrade-install
        // in 25.x's (with PackageInstallerError naming the packages rather than apt's output).
        let module = failed.contains("package_update_upgrade_install") || failed.contains("package-update-upgrade-install")
        #expect(state == "failed" && module && failed.contains("qemu-guest-agent"),
                "\(what): machine state \(state ?? "?"); events:\n\(rig.eventsText(guest.mac))")
    }

    private func check(_ guest: CloudImageRig.Guest, _ rig: CloudImageRig, _ image: CloudImage) throws {
        let what = "\(image.rawValue) \(guest.path)"
        guard let verdict = guest.vm.waitForVerdict(seconds: Self.verdictSeconds - Date().timeIntervalSince(guest.vm.started)) else {
            Issue.record("\(what): no cloud-init verdict within \(Int(Self.verdictSeconds)) s of power-on.\n\(rig.diagnostics(guest))")
            return
        }
        print("CloudImageTests: \(what): verdict after \(String(format: "%.1f", Date().timeIntervalSince(guest.vm.started))) s; "
              + "cloud-init \(verdict["version"].trimmingCharacters(in: .whitespacesAndNewlines)); seed lines:\n\(verdict["seed"])")

        // cloud-init's own verdict, read inside the guest.
        #expect(verdict.majorVersion == image.cloudInitMajor, "\(what): \(verdict["version"])")
        #expect(verdict.status == "done", "\(what): cloud-init status --long:\n\(verdict["status"])")
        #expect(verdict.errors.isEmpty, "\(what): result.json: \(verdict["result.json"])")
        #expect(verdict.unexplainedWarnings.isEmpty, "\(what): warnings in cloud-init.log:\n\(verdict["warnings"])")
        // The seed was used in network mode: the network stage's DataSourceNoCloudNet kept what
        // it fetched (22.4 prints "[dsmode=net]"; 25.x prints the mode only when it is not net).
        let seed = verdict["seed"]
        #expect(seed.contains("DataSourceNoCloudNet [seed=") && !seed.contains("in local mode") && !seed.contains("dsmode=local"),
                "\(what): seed lines:\n\(seed)")
        #expect(verdict["hostname"].trimmingCharacters(in: .whitespacesAndNewlines) == guest.hostname, "\(what): \(verdict["hostname"])")

        // provisiond's side: the machine is ready.
        let state = rig.waitForState(guest.mac, ["ready", "failed"], seconds: 180)
        #expect(state == "ready", "\(what): machine state \(state ?? "?"); events:\n\(rig.eventsText(guest.mac))")
        // ...moved on by the image's own report of cloud-init's verdict (the shipped report unit).
        let report = rig.events(guest.mac).last { $0["event"]?.stringValue == "phone-home" }?["detail"]?.stringValue ?? ""
        #expect(report.hasPrefix("cloud-init finished without errors"), "\(what): events:\n\(rig.eventsText(guest.mac))")

        // The profile's network configuration was applied: cloud-init rendered its static
        // address (25.x from network-config, 22.4 from meta-data's network-interfaces).
        #expect(verdict["network"].contains(guest.extraAddress), "\(what): rendered network configuration:\n\(verdict["network"])")

        // From the host: an SSH key login as the profile's user, at the static address.
        let login = rig.ssh(to: guest.extraAddress, command: "hostname; id -un; sudo -n true && echo sudo-ok")
        let lines = login.stdout.split(separator: "\n").map(String.init)
        #expect(login.status == 0 && lines.first == guest.hostname && lines.dropFirst().first == CloudImageRig.user && lines.contains("sudo-ok"),
                "\(what): ssh \(CloudImageRig.user)@\(guest.extraAddress) exited \(login.status): \(login.stdout) \(login.stderr)")
    }
}
