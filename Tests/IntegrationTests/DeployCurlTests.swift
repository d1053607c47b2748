import Foundation
import TestSupport
import Testing
import Wire

/// The deploy protocol against the real binary (issue 14), spoken with curl as the deploy
/// environment speaks it: the plan from the reported facts, the image stream, progress bounded to
/// a tenth, `deployed` → installing → the installed system's report; refusals fail the machine
/// with the reason; a reimage permits overwriting the disk; wrong tokens, states, profiles and
/// addresses are refused and recorded.
@Suite(.timeLimit(.minutes(4))) struct DeployCurlTests {
    /// A 3 MiB raw image of random bytes (incompressible enough that Range requests have bytes to cut).
    private func rawImage(_ dir: TemporaryDirectory) throws -> String {
        let path = dir.path + "/image.raw"
        let write = try runTool("python3", ["-c", "import os,sys; open(sys.argv[1], 'wb').write(os.urandom(3 << 20))", path])
        #expect(write.status == 0, "\(write.stderr)")
        return path
    }

    private static let blankVDA: [(name: String, bytes: Int, table: String?)] = [("vda", 64 << 20, nil), ("sda", 128 << 20, "gpt")]

    private func plan(_ text: String, _ key: String) -> String? {
        text.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }
            .first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    @Test func aDeployGoesFromThePlanThroughTheImageAndProgressToInstalled() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try DeployLab(dir)
        let raw = try rawImage(dir)
        let record = try lab.importImage(raw)
        let mac = "52:54:00:00:71:01"
        let script = try lab.registerAndBoot(mac)
        #expect(script.contains("provisiond.mode=deploy") && script.contains("deploy-env/vmlinuz"), "\(script)")
        #expect(try lab.state(mac) == "booting")
        try lab.reportFacts(mac, DeployLab.facts(Self.blankVDA))
        let token = try lab.token(mac)

        // The plan: the blank disk (sda holds a partition table), the image's size and checksum.
        #expect(try lab.request("GET", "/deploy/\(mac)/plan?token=\(token)").0 == 405)
        let (planStatus, plan) = try lab.request("POST", "/deploy/\(mac)/plan?token=\(token)")
        #expect(planStatus == 200, "\(plan)")
        #expect(self.plan(plan, "disk") == "/dev/vda" && self.plan(plan, "disk_bytes") == String(64 << 20))
        #expect(self.plan(plan, "raw_bytes") == String(3 << 20) && self.plan(plan, "raw_sha256") == record["rawSha256"]?.stringValue)
        #expect(self.plan(plan, "block_bytes") == String(1 << 20) && self.plan(plan, "ranges") == record["blockRanges"]?.stringValue
                && self.plan(plan, "mapped_bytes") == record["mappedBytes"]?.intValue.map(String.init)
                && self.plan(plan, "sha256") == record["mappedSha256"]?.stringValue, "\(plan)")
        #expect(self.plan(plan, "image_url") == "\(lab.server.httpURL)/deploy/\(mac)/image")
        #expect(self.plan(plan, "seed_url") == "\(lab.server.httpURL)/cloud-init/\(mac)/", "\(plan)")

        // The image: the stored stream, whole, by range, and its HEAD; only with the token.
        let stored = dir.path + "/data/images/\(DeployLab.image)/image.map.zst"
        let fetched = dir.path + "/fetched.zst"
        let whole = try runTool("curl", ["-sS", "--fail", "-o", fetched, "\(lab.server.httpURL)/deploy/\(mac)/image?token=\(token)"])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(try DeployLab.sha256(fetched) == DeployLab.sha256(stored))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: stored)[.size] as? Int)
        let (rangeStatus, _) = try lab.request("GET", "/deploy/\(mac)/image?token=\(token)", headers: ["Range: bytes=100-199"])
        #expect(rangeStatus == 206)
        let (headStatus, head) = try lab.request("HEAD", "/deploy/\(mac)/image?token=\(token)")
        #expect(headStatus == 200 && head.lowercased().contains("content-length: \(size)"), "\(head)")
        #expect(try lab.request("GET", "/deploy/\(mac)/image").0 == 403)
        #expect(try lab.request("GET", "/deploy/\(mac)/image?token=\(String(repeating: "0", count: 64))").0 == 403)

        // Progress: one event a tenth, repeats and steps back ignored, bad values refused.
        for percent in [0, 3, 10, 10, 15, 9, 20, 30, 40, 50, 60, 70, 80, 90, 99, 100, 100] {
            let (status, body) = try lab.request("POST", "/deploy/\(mac)/progress?token=\(token)&percent=\(percent)&disk=/dev/vda")
            #expect(status == 200, "\(body)")
        }
        for bad in ["101", "-1", "ten", ""] {
            #expect(try lab.request("POST", "/deploy/\(mac)/progress?token=\(token)&percent=\(bad)").0 == 400)
        }
        let progress = try lab.events(mac).filter { $0["event"] == .string("deploy-progress") }.compactMap { $0["detail"]?.stringValue }
        #expect(progress == stride(from: 0, through: 100, by: 10).map { "\($0) % of image debian-12 written to /dev/vda" })

        // deployed: only with the image's checksum; then installing, the token spent, exit on boot.
        let (wrongStatus, wrong) = try lab.request("POST", "/deploy/\(mac)/deployed?token=\(token)&sha256=\(String(repeating: "1", count: 64))&disk=/dev/vda")
        #expect(wrongStatus == 400 && wrong.contains("wrote sha256 1111"), "\(wrong)")
        #expect(try lab.state(mac) == "booting")
        let sha = try #require(record["mappedSha256"]?.stringValue)
        let (deployedStatus, deployed) = try lab.request("POST", "/deploy/\(mac)/deployed?token=\(token)&sha256=\(sha)&disk=/dev/vda")
        #expect(deployedStatus == 200 && deployed.contains("\"installing\""), "\(deployed)")
        let event = try #require(try lab.events(mac).last)
        #expect(event["event"] == .string("deployed") && event["detail"]?.stringValue?.contains("written to /dev/vda and verified (sha256 of its mapped blocks \(sha))") == true)
        #expect(try lab.boot(mac).contains("exit"))
        #expect(try lab.request("POST", "/deploy/\(mac)/deployed?token=\(token)&sha256=\(sha)").0 == 403)
        let fresh = try lab.token(mac)
        #expect(fresh != token)
        let (lateStatus, late) = try lab.request("POST", "/deploy/\(mac)/plan?token=\(fresh)")
        #expect(lateStatus == 409 && late.contains("no deploy in progress: the machine is installing"), "\(late)")
        let (againStatus, again) = try lab.request("POST", "/deploy/\(mac)/deployed?token=\(fresh)&sha256=\(sha)&disk=/dev/vda")
        #expect(againStatus == 409 && again.contains("no deploy in progress"), "a second deployed: \(again)")

        // The written disk's cloud-init reports with the token from its user-data: installed, ready.
        #expect(try lab.request("POST", "/cloud-init/\(mac)/phone-home?token=\(fresh)").0 == 200)
        try lab.server.waitUntilIdle()
        #expect(try eventually { try lab.state(mac) == "ready" })
        #expect(try lab.eventNames(mac).filter { !$0.hasSuffix("-refused") && $0 != "deploy-progress" }
                == ["register", "boot-install", "commissioned", "deploy-planned", "deployed", "phone-home", "hooks-succeeded"])
        lab.server.stop()
        #expect(lab.server.log.contains("deploy-planned") && lab.server.log.contains("event=deployed"))
    }

    @Test func refusalsFailTheMachineAndAReimageMayOverwrite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try DeployLab(dir)
        let mac = "52:54:00:00:71:02"
        try lab.registerAndBoot(mac)
        try lab.reportFacts(mac, DeployLab.facts([("sda", 128 << 20, "gpt")]))

        // No image yet.
        let (missingStatus, missing) = try lab.request("POST", "/deploy/\(mac)/plan?token=\(try lab.token(mac))")
        #expect(missingStatus == 409 && missing.contains("image debian-12 does not exist: import it with provisionctl image import debian-12"), "\(missing)")
        #expect(try lab.state(mac) == "failed")

        // The image exists, but the only disk holds a partition table and the profile does not wipe.
        _ = try lab.importImage(try rawImage(dir))
        #expect(try lab.server.ctl(["reimage", mac]).status == 0)
        // A plain install, not a reimage: register a second machine with the same disks.
        let other = "52:54:00:00:71:03"
        try lab.registerAndBoot(other)
        try lab.reportFacts(other, DeployLab.facts([("sda", 128 << 20, "gpt")]))
        let (dataStatus, data) = try lab.request("POST", "/deploy/\(other)/plan?token=\(try lab.token(other))")
        #expect(dataStatus == 409 && data.contains("disk /dev/sda /dev/disk/by-id/virtio-SNsda holds data (a gpt partition table)"), "\(data)")
        #expect(try lab.state(other) == "failed")
        let failed = try #require(try lab.events(other).last)
        #expect(failed["event"] == .string("install-failed") && failed["detail"]?.stringValue?.hasPrefix("deploy refused: disk /dev/sda") == true)
        #expect(try lab.boot(other).contains("exit"))

        // The reimaged machine may overwrite it.
        try lab.boot(mac)
        try lab.reportFacts(mac, DeployLab.facts([("sda", 128 << 20, "gpt")]))
        let (reimageStatus, plan) = try lab.request("POST", "/deploy/\(mac)/plan?token=\(try lab.token(mac))")
        #expect(reimageStatus == 200 && self.plan(plan, "disk") == "/dev/sda", "\(plan)")

        // The environment's own failure report: failed with its reason, stored decoded.
        let (failStatus, _) = try lab.request("POST", "/deploy/\(mac)/failed?token=\(try lab.token(mac))",
                                              body: #"{"message": "deploy verify: image verification failed: wrote sha256 aa, expected bb"}"#)
        #expect(failStatus == 200)
        #expect(try lab.state(mac) == "failed")
        #expect(try lab.events(mac).last?["detail"]?.stringValue?.contains("image verification failed: wrote sha256 aa, expected bb") == true)
    }

    @Test func wrongProfilesStatesAndAddressesAreRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let lab = try DeployLab(dir)
        // The profiles say what they write, and where.
        let profiles = try lab.server.ctl(["profiles"]).stdout
        #expect(profiles.contains(" debian-12 to smallest ") && profiles.contains("IMAGE"), "\(profiles)")
        let listed = try JSONParser.parse(try lab.server.ctl(["profiles", "--json"]).stdout).arrayValue ?? []
        #expect(listed.first { $0["name"] == .string(DeployLab.profile) }?["image"]
                == .object([("name", .string("debian-12")), ("targetDisk", .string("smallest")), ("wipe", .bool(false))]))
        // A profile without an image.
        let plain = "52:54:00:00:71:04"
        #expect(try lab.server.ctl(["register", plain, "--hostname", "plain", "--profile", "local-disk"]).status == 0)
        // An image profile, but not booting (its boot script was never fetched).
        let idle = "52:54:00:00:71:05"
        #expect(try lab.server.ctl(["register", idle, "--hostname", "idle", "--profile", DeployLab.profile]).status == 0)

        let (plainStatus, plainBody) = try lab.request("POST", "/deploy/\(plain)/plan?token=\(try lab.token(plain))")
        #expect(plainStatus == 409 && plainBody.contains("local-disk") && plainBody.contains("writes no image"), "\(plainBody)")
        let (idleStatus, idleBody) = try lab.request("POST", "/deploy/\(idle)/progress?token=\(try lab.token(idle))&percent=10")
        #expect(idleStatus == 409 && idleBody.contains("no deploy in progress: the machine is registered"), "\(idleBody)")
        #expect(try lab.request("POST", "/deploy/\(idle)/rewrite?token=x").0 == 404)
        #expect(try lab.request("POST", "/deploy/52:54:00:00:71:99/plan?token=x").0 == 404)
        #expect(try lab.request("POST", "/deploy/not-a-mac/plan").0 == 400)
        #expect(try lab.request("PUT", "/deploy/\(idle)/deployed?token=x").0 == 405)
        // A failure report from a machine that is not installing is refused, the state kept.
        #expect(try lab.request("POST", "/deploy/\(idle)/failed?token=\(try lab.token(idle))", body: #"{"message": "x"}"#).0 == 409)
        #expect(try lab.state(idle) == "registered" && lab.state(plain) == "registered")
        #expect(try lab.eventNames(plain) == ["register", "plan-refused"])
        #expect(try lab.eventNames(idle) == ["register", "progress-refused", "failed-refused"])
        lab.server.stop()

        // Under address trust (the default), only the machine's own address gets a plan or the
        // image, token or not: the test's address is none of its.
        let strictDir = try TemporaryDirectory()
        defer { strictDir.remove() }
        let strict = try DeployLab(strictDir, metadataTrust: "address")
        let far = "52:54:00:00:71:06"
        #expect(try strict.server.ctl(["register", far, "--hostname", "far", "--profile", DeployLab.profile, "--ip", "10.9.9.9"]).status == 0)
        let (farStatus, farBody) = try strict.request("POST", "/deploy/\(far)/plan?token=\(try strict.token(far))")
        #expect(farStatus == 403 && farBody.contains("plan of \(far) refused: request from 127.0.0.1"), "\(farBody)")
        #expect(try strict.request("GET", "/deploy/\(far)/image?token=\(try strict.token(far))").0 == 403)
        #expect(try strict.eventNames(far) == ["register", "plan-refused"])
        #expect(try strict.state(far) == "registered")
    }
}
