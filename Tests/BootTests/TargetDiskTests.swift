import Model
import Testing

@testable import Boot

/// The target-disk rule and the disk policy (issue 14): never a removable or USB disk unless
/// named, never a disk holding a partition table unless wipe or reimage.
@Suite struct TargetDiskTests {
    static func disk(_ name: String, _ gib: Int, transport: HardwareFacts.Transport = .sata, removable: Bool = false, serial: String? = nil,
                     model: String? = nil, table: String? = nil) -> HardwareFacts.Disk {
        HardwareFacts.Disk(name: name, path: "/dev/\(name)", byID: serial.map { ["/dev/disk/by-id/\(transport.rawValue)-\($0)"] } ?? [],
                           sizeBytes: gib << 30, model: model, serial: serial, rotational: false, removable: removable, transport: transport,
                           partitionTable: table)
    }

    static let disks = [
        disk("sda", 480, serial: "S4EVNX0R", model: "Samsung SSD 870"),
        disk("nvme0n1", 1000, transport: .nvme, serial: "PHBT7284", model: "INTEL SSDPEKNW010T8"),
        disk("sdb", 16, transport: .usb, removable: true, serial: "USB123", model: "Cruzer Blade"),
        disk("sdc", 4000, serial: "ZL2A1234", model: "ST4000NM000A", table: "gpt"),
        disk("sdd", 0, serial: "EMPTYCARD", model: "Card Reader"),
    ]

    /// rule → the chosen disk's name, or the beginning of the refusal
    static let table: [(String, Bool, Bool, String)] = [
        ("smallest", false, false, "sda"),
        ("largest", false, false, "refuse: disk /dev/sdc /dev/disk/by-id/sata-ZL2A1234 holds data (a gpt partition table)"),
        ("largest", true, false, "sdc"),
        ("largest", false, true, "sdc"),
        ("/dev/disk/by-id/usb-USB123", false, false, "sdb"),
        ("/dev/disk/by-id/nvme-PHBT7284", false, false, "nvme0n1"),
        ("/dev/disk/by-id/nvme-NOPE", false, false, "refuse: no disk /dev/disk/by-id/nvme-NOPE (removable and USB disks only by by-id or serial) among: /dev/sda"),
        ("serial:PHBT*", false, false, "nvme0n1"),
        ("serial:USB12?", false, false, "sdb"),
        ("serial:*", false, false, "refuse: 4 disks (/dev/sda, /dev/nvme0n1, /dev/sdb, /dev/sdc) with a serial matching *"),
        ("model:*SSD*", false, false, "sda"),
        ("model:Cruzer*", false, false, "refuse: no fixed disk with a model matching Cruzer*"),
        ("model:ST4000*", false, false, "refuse: disk /dev/sdc"),
    ]

    @Test(arguments: table.indices)
    func chooses(_ index: Int) throws {
        let (text, wipe, reimage, expected) = Self.table[index]
        let rule = try #require(TargetDiskRule(text))
        switch TargetDisk.choose(rule, among: Self.disks, wipe: wipe, reimage: reimage) {
        case .write(let disk): #expect(disk.name == expected)
        case .refuse(let reason): #expect(("refuse: " + reason).hasPrefix(expected), "\(reason)")
        }
    }

    @Test func onlyRemovableDisksMeansNoDiskForSizeRules() {
        let usbOnly = [Self.disk("sda", 32, transport: .usb, serial: "U1"), Self.disk("sdb", 64, removable: true, serial: "R1")]
        #expect(TargetDisk.choose(.largest, among: usbOnly, wipe: true, reimage: false)
                == .refuse("no fixed disk (removable and USB disks only by by-id or serial) among: /dev/sda 34359738368 bytes, removable, serial U1; "
                           + "/dev/sdb 68719476736 bytes, removable, serial R1"))
        #expect(TargetDisk.choose(.smallest, among: [], wipe: false, reimage: false)
                == .refuse("no fixed disk (removable and USB disks only by by-id or serial) among: none"))
    }

    @Test func rulesParse() {
        #expect(TargetDiskRule("smallest") == .smallest && TargetDiskRule("largest") == .largest)
        #expect(TargetDiskRule("/dev/disk/by-id/ata-X") == .byID("/dev/disk/by-id/ata-X"))
        #expect(TargetDiskRule("serial:A*") == .serial("A*") && TargetDiskRule("model:*SSD*") == .model("*SSD*"))
        for bad in ["", "biggest", "/dev/sda", "/dev/disk/by-id/", "/dev/disk/by-id/../sda", "serial:", "model:"] {
            #expect(TargetDiskRule(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [("*", "", true), ("a*c", "abbbc", true), ("a?c", "abc", true), ("a?c", "ac", false), ("*SSD*", "Samsung SSD 870", true),
                      ("S4*X", "S4EVNX0R", false), ("**", "x", true), ("abc", "abcd", false)])
    func globs(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(Glob.matches(pattern, text) == expected)
    }
}
