import Model
import Testing
import Wire

@testable import Boot

/// The deploy environment's facts document (scripts/deploy-env/facts.sh), decoded strictly.
@Suite struct HardwareFactsTests {
    /// What the deploy environment really sent from a QEMU machine (SeaBIOS, an AHCI disk and a
    /// virtio disk, an e1000 NIC), as it printed it.
    static let qemuDocument = """
        {"version":1,"environment":"42f2b4fc0e819ca5","system":{"vendor":"Acme","product":"Rack1","serial":"SN42",\
        "uuid":"11111111-2222-3333-4444-555555555555"},"firmware":{"mode":"bios","secure_boot":null},\
        "cpu":{"model":"QEMU Virtual CPU version 2.5+","sockets":1,"cores":1,"threads":1},"memory":{"total_bytes":743096320},\
        "disks":[{"name":"sda","path":"/dev/sda","by_id":["/dev/disk/by-id/ata-QEMU_HARDDISK_SATA456"],"size_bytes":1073741824,\
        "model":"QEMU HARDDISK","serial":"SATA456","rotational":true,"removable":false,"transport":"sata","partition_table":null},\
        {"name":"vda","path":"/dev/vda","by_id":["/dev/disk/by-id/virtio-VIRT123"],"size_bytes":2147483648,"model":null,\
        "serial":"VIRT123","rotational":true,"removable":false,"transport":"virtio","partition_table":"gpt"}],\
        "nics":[{"name":"eth0","mac":"52:54:00:12:34:56","driver":"e1000","link":true,"speed_mbps":1000}]}

        """

    static func decode(_ text: String) throws(HardwareFactsError) -> HardwareFacts { try HardwareFacts.decode(Array(text.utf8)) }

    @Test("the document a real deploy environment sent decodes to what it says")
    func decodesQEMUDocument() throws {
        let facts = try Self.decode(Self.qemuDocument)
        #expect(facts.environment == "42f2b4fc0e819ca5")
        #expect(facts.system == .init(vendor: "Acme", product: "Rack1", serial: "SN42", uuid: "11111111-2222-3333-4444-555555555555"))
        #expect(facts.firmware == .init(mode: .bios, secureBoot: nil))
        #expect(facts.cpu == .init(model: "QEMU Virtual CPU version 2.5+", sockets: 1, cores: 1, threads: 1))
        #expect(facts.memory.totalBytes == 743_096_320)
        #expect(facts.disks.count == 2)
        #expect(facts.disks[0] == .init(name: "sda", path: "/dev/sda", byID: ["/dev/disk/by-id/ata-QEMU_HARDDISK_SATA456"],
                                        sizeBytes: 1 << 30, model: "QEMU HARDDISK", serial: "SATA456", rotational: true, removable: false,
                                        transport: .sata, partitionTable: nil))
        #expect(facts.disks[1].model == nil && facts.disks[1].transport == .virtio && facts.disks[1].partitionTable == "gpt")
        #expect(facts.nics == [.init(name: "eth0", mac: try MACAddress("52:54:00:12:34:56"), driver: "e1000", link: true, speedMbps: 1000)])
        #expect(facts.summary == "Acme Rack1, bios, 1 CPUs, 708 MiB, disks: sda 1 GiB, vda 2 GiB gpt, 1 NICs")
    }

    @Test("encoding and decoding again gives the same facts and the same text")
    func roundTrips() throws {
        let facts = try Self.decode(Self.qemuDocument)
        let text = facts.json.encoded()
        #expect(try Self.decode(text) == facts)
        #expect(text + "\n" == Self.qemuDocument)
    }

    /// A change to the sample document → the path and a piece of the message of its error.
    static let refusals: [(String, String, String, String)] = [
        (#""version":1"#, #""version":2"#, "facts.version", "format 2 is not supported"),
        (#""version":1,"#, "", "facts.version", "missing"),
        (#""memory":{"total_bytes":743096320}"#, #""memory":{"total_bytes":743096320,"dimms":4}"#, "facts.memory", "unknown member \"dimms\""),
        (#""sockets":1"#, #""sockets":-1"#, "facts.cpu.sockets", "non-negative integer"),
        (#""sockets":1"#, #""sockets":1.5"#, "facts.cpu.sockets", "non-negative integer"),
        (#""sockets":1"#, #""sockets":"1""#, "facts.cpu.sockets", "non-negative integer"),
        (#""sockets":1"#, #""sockets":null"#, "facts.cpu.sockets", "must be a number, not null"),
        (#""total_bytes":743096320"#, #""total_bytes":99999999999999999999"#, "facts.memory.total_bytes", "non-negative integer"),
        (#""mode":"bios""#, #""mode":"openfirmware""#, "facts.firmware.mode", "is not one of uefi, bios"),
        (#""secure_boot":null"#, #""secure_boot":"yes""#, "facts.firmware.secure_boot", "true, false or null"),
        (#""transport":"sata""#, #""transport":"firewire""#, "facts.disks[0].transport", "is not one of"),
        (#""path":"/dev/sda""#, #""path":"/etc/passwd""#, "facts.disks[0].path", "is not under /dev/"),
        (#""name":"sda""#, #""name":"sda; rm -rf /""#, "facts.disks[0].name", "is not a device name"),
        (#"["/dev/disk/by-id/virtio-VIRT123"]"#, #"["/dev/sdb"]"#, "facts.disks[1].by_id[0]", "is not under /dev/disk/by-id/"),
        (#""partition_table":"gpt""#, #""partition_table":"g p t""#, "facts.disks[1].partition_table", "is not a partition table type"),
        (#""mac":"52:54:00:12:34:56""#, #""mac":"52:54:00:12:34""#, "facts.nics[0].mac", "invalid MAC address"),
        (#""serial":"SN42""#, #""serial":"SN\u000a42""#, "facts.system.serial", "control characters"),
        (#""serial":"SN42""#, #""serial":"""#, "facts.system.serial", "must not be empty"),
        (#""serial":"SN42""#, "\"serial\":\"\(String(repeating: "x", count: 257))\"", "facts.system.serial", "257 bytes, more than 256"),
        (#""nics":[{"name":"eth0","mac":"52:54:00:12:34:56","driver":"e1000","link":true,"speed_mbps":1000}]"#, #""nics":{}"#,
         "facts.nics", "must be an array, not object"),
        (#""vendor":"Acme""#, #""vendor":"Acme","vendor":"Evil""#, "facts.system.vendor", "given twice"),
        (#""nics":[{"#, #""nics":[1,{"#, "facts.nics[0]", "must be an object, not number"),
        ("}\n", "} trailing\n", "facts", "invalid JSON"),
    ]

    @Test(arguments: refusals.indices)
    func refuses(_ index: Int) throws {
        let (original, replacement, path, message) = Self.refusals[index]
        #expect(Self.qemuDocument.contains(original), "the sample changed: \(original)")
        let text = Self.qemuDocument.replacingOccurrences(of: original, with: replacement)
        let error = #expect(throws: HardwareFactsError.self) { try Self.decode(text) }
        #expect(error?.path == path, "\(error?.description ?? "")")
        #expect(error?.message.contains(message) == true, "\(error?.description ?? "")")
    }

    @Test("sizes are bounded: the document, and the number of disks")
    func bounded() throws {
        let huge = [UInt8](repeating: 0x20, count: HardwareFacts.Limits.documentBytes + 1)
        #expect(throws: HardwareFactsError(path: "facts", message: "262145 bytes, more than the 262144 allowed")) {
            try HardwareFacts.decode(huge)
        }
        var facts = try Self.decode(Self.qemuDocument)
        facts.disks = Array(repeating: facts.disks[0], count: HardwareFacts.Limits.disks + 1)
        let error = #expect(throws: HardwareFactsError.self) { try Self.decode(facts.json.encoded()) }
        #expect(error?.description == "facts.disks: 129 items, more than 128")
    }

    @Test("not JSON, or not an object")
    func notADocument() {
        #expect(throws: HardwareFactsError.self) { try Self.decode("") }
        #expect(throws: HardwareFactsError(path: "facts", message: "must be an object, not array")) { try Self.decode("[]") }
    }

    @Test("templates see the facts: numbers as text, unknown values empty and false")
    func templates() throws {
        let facts = try Self.decode(Self.qemuDocument)
        let template = try Template(name: "t", source: """
            {{ facts.cpu.cores }}/{{ facts.memory.total_bytes }}/{{ facts.firmware.mode }}\
            {% if facts.firmware.secure_boot %} sb{% endif %}{% for disk in facts.disks %} {{ disk.name }}={{ disk.model }}{% endfor %}
            """)
        let text = try template.render(["facts": facts.templateValue], escaping: .none)
        #expect(text == "1/743096320/bios sda=QEMU HARDDISK vda=")
    }
}
