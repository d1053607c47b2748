import Model
import Testing

@testable import Boot

/// The server's deploy decision (issue 14): facts + the profile's image, rule and policy + reimage
/// + the image's record → the plan the environment follows, or the reason the machine fails.
@Suite struct DeployPlanTests {
    static let mac = "52:54:00:12:34:56"
    static let sha = String(repeating: "ab", count: 32)
    static let mappedSHA = String(repeating: "cd", count: 32)
    /// A 2 GiB image's data: its tables and boot code, and its root file system's used blocks.
    static let map = ImageBlockMap(blockBytes: 1 << 20, ranges: [.init(start: 0, count: 66), .init(start: 70, count: 700), .init(start: 2047, count: 1)])

    static func facts(_ disks: [HardwareFacts.Disk]) -> HardwareFacts {
        HardwareFacts(environment: "test", system: .init(vendor: nil, product: nil, serial: nil, uuid: nil),
                      firmware: .init(mode: .bios, secureBoot: nil), cpu: .init(model: nil, sockets: 1, cores: 1, threads: 1),
                      memory: .init(totalBytes: 1 << 30), disks: disks, nics: [])
    }

    static func image(_ state: ImageRecord.State = .ready, rawBytes: Int = 2 << 30, error: String? = nil) -> ImageRecord {
        ImageRecord(name: "debian-12", state: state, source: "/srv/d12.qcow2", rawBytes: state == .ready ? rawBytes : nil,
                    rawSHA256: state == .ready ? sha : nil, blockMap: state == .ready ? map : nil, mappedSHA256: state == .ready ? mappedSHA : nil,
                    error: error, createdAt: "", updatedAt: "")
    }

    static func decide(_ disks: [HardwareFacts.Disk]?, rule: String = "smallest", wipe: Bool = false, reimage: Bool = false,
                       image: ImageRecord? = image()) throws -> DeployDecision {
        DeployPlanner.decide(mac: mac, deploy: try ImageDeploy(image: "debian-12", targetDisk: rule, wipe: wipe), facts: disks.map(facts),
                             reimage: reimage, image: image, serverURL: "http://10.0.0.1:8080/")
    }

    static let blank = TargetDiskTests.disk("vda", 4, transport: .virtio, serial: "DEPLOYVIRT")
    static let used = TargetDiskTests.disk("sda", 8, serial: "USED", table: "gpt")

    @Test func aBlankDiskGetsThePlanWithTheSeedAndTheImagesChecksum() throws {
        guard case .deploy(let plan) = try Self.decide([Self.used, Self.blank, TargetDiskTests.disk("sdb", 1, transport: .usb, removable: true)]) else {
            Issue.record("refused")
            return
        }
        #expect(plan.disk == Self.blank)
        #expect(plan.imageURL == "http://10.0.0.1:8080/deploy/\(Self.mac)/image")
        #expect(plan.rawBytes == 2 << 30 && plan.rawSHA256 == Self.sha && plan.sha256 == Self.mappedSHA && plan.blockMap == Self.map)
        #expect(plan.seedURL == "http://10.0.0.1:8080/cloud-init/\(Self.mac)/")
        #expect(plan.text == """
            image=debian-12
            image_url=http://10.0.0.1:8080/deploy/\(Self.mac)/image
            raw_bytes=2147483648
            raw_sha256=\(Self.sha)
            block_bytes=1048576
            ranges=0+66,70+700,2047+1
            mapped_bytes=804257792
            sha256=\(Self.mappedSHA)
            disk=/dev/vda
            disk_bytes=4294967296
            seed_url=http://10.0.0.1:8080/cloud-init/\(Self.mac)/

            """)
        #expect(plan.summary == "image debian-12 (2147483648 bytes, 804257792 of them mapped, sha256 \(Self.sha)) to /dev/vda /dev/disk/by-id/virtio-DEPLOYVIRT (4294967296 bytes)")
    }

    /// Which disk, or the refusal's beginning.
    static let cases: [(rule: String, wipe: Bool, reimage: Bool, expected: String)] = [
        ("largest", false, false, "refuse: disk /dev/sda /dev/disk/by-id/sata-USED holds data (a gpt partition table): set wipe"),
        ("largest", true, false, "/dev/sda"),
        ("largest", false, true, "/dev/sda"),
        ("serial:DEPLOY*", false, false, "/dev/vda"),
        ("model:*", false, false, "refuse: no fixed disk with a model matching *"),
        ("/dev/disk/by-id/usb-STICK", false, true, "/dev/sdb"),
    ]

    @Test(arguments: cases)
    func theRuleAndTheDiskPolicyDecide(rule: String, wipe: Bool, reimage: Bool, expected: String) throws {
        let disks = [Self.used, Self.blank, TargetDiskTests.disk("sdb", 16, transport: .usb, removable: true, serial: "STICK")]
        switch try Self.decide(disks, rule: rule, wipe: wipe, reimage: reimage) {
        case .deploy(let plan): #expect(plan.disk.path == expected)
        case .refuse(let reason): #expect(("refuse: " + reason).hasPrefix(expected), "\(reason)")
        }
    }

    @Test func missingImagesFactsAndSmallDisksAreRefusedWithTheReason() throws {
        #expect(try Self.decide([Self.blank], image: nil)
                == .refuse("image debian-12 does not exist: import it with provisionctl image import debian-12"))
        #expect(try Self.decide([Self.blank], image: Self.image(.importing)) == .refuse("image debian-12 cannot be written: it is importing"))
        #expect(try Self.decide([Self.blank], image: Self.image(.failed, error: "checksum: the source's sha256 is 00, not 11"))
                == .refuse("image debian-12 cannot be written: its import failed: checksum: the source's sha256 is 00, not 11"))
        var unmapped = Self.image()
        unmapped.blockMap = nil
        #expect(try Self.decide([Self.blank], image: unmapped)
                == .refuse("image debian-12 has no block map (imported by an older provisiond): delete it and import it again"))
        #expect(try Self.decide(nil) == .refuse("no hardware facts: the deploy environment reports them before asking for a plan"))
        #expect(try Self.decide([Self.blank], image: Self.image(rawBytes: 5 << 30))
                == .refuse("image debian-12 (5368709120 bytes) does not fit disk /dev/vda /dev/disk/by-id/virtio-DEPLOYVIRT (4294967296 bytes)"))
        #expect(try Self.decide([]) == .refuse("no fixed disk (removable and USB disks only by by-id or serial) among: none"))
        var odd = Self.blank
        odd.path = "/dev/vd a"
        #expect(try Self.decide([odd]) == .refuse("disk path /dev/vd a is not a plain device path"))
    }
}

/// What the timeline says about a deploy: reimage or not, which progress steps were recorded.
@Suite struct DeployHistoryTests {
    static func event(_ name: String, _ from: MachineState?, _ to: MachineState?, _ detail: String = "") -> MachineEvent {
        MachineEvent(id: 0, mac: try! .init("52:54:00:12:34:56"), at: "", event: name, from: from, to: to, source: "test", detail: detail)
    }

    @Test func aReimageIsTheLastMoveIntoRegistered() {
        let registered = [Self.event("register", nil, .registered), Self.event("boot-install", .registered, .booting)]
        #expect(!DeployHistory.reimaging(registered))
        let reimaged = registered + [Self.event("install-failed", .booting, .failed), Self.event("reimage", .failed, .registered),
                                     Self.event("commissioned", .registered, .registered), Self.event("boot-install", .registered, .booting)]
        #expect(DeployHistory.reimaging(reimaged))
        #expect(!DeployHistory.reimaging([Self.event("discover", nil, .discovered), Self.event("adopt", .discovered, .registered)]))
    }

    @Test func progressIsRecordedOnceATenthSinceThePlan() {
        var events = [Self.event("deploy-planned", .booting, .booting)]
        #expect(DeployHistory.progressStep(percent: 0, events: events) == 0)
        #expect(DeployHistory.progressStep(percent: 37, events: events) == 30)
        events.append(Self.event("deploy-progress", .booting, .booting, DeployHistory.progressDetail(step: 30, image: "d", disk: "/dev/vda")))
        #expect(DeployHistory.progressStep(percent: 39, events: events) == nil)
        #expect(DeployHistory.progressStep(percent: 20, events: events) == nil)
        #expect(DeployHistory.progressStep(percent: 100, events: events) == 100)
        // A new plan (the machine booted the environment again) starts counting again.
        events.append(Self.event("deploy-planned", .booting, .booting))
        #expect(DeployHistory.progressStep(percent: 30, events: events) == 30)
    }
}
