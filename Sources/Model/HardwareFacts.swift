import Wire

/// What the deploy environment found on a machine (DESIGN.md §13, issue 14 "Commissioning"):
/// the document `scripts/deploy-env/facts.sh` prints, decoded strictly
/// (`HardwareFacts+Decode.swift`). Values the hardware does not tell are nil.
public struct HardwareFacts: Equatable, Sendable {
    /// The document's format; the decoder takes this one only.
    public static let formatVersion = 1

    /// The deploy environment's version (`/etc/deploy-env/VERSION`).
    public var environment: String?
    public var system: System
    public var firmware: Firmware
    public var cpu: CPU
    public var memory: Memory
    public var disks: [Disk]
    public var nics: [NIC]

    public init(environment: String?, system: System, firmware: Firmware, cpu: CPU, memory: Memory, disks: [Disk], nics: [NIC]) {
        self.environment = environment
        self.system = system
        self.firmware = firmware
        self.cpu = cpu
        self.memory = memory
        self.disks = disks
        self.nics = nics
    }

    /// DMI system information (SMBIOS type 1).
    public struct System: Equatable, Sendable {
        public var vendor: String?
        public var product: String?
        public var serial: String?
        public var uuid: String?

        public init(vendor: String?, product: String?, serial: String?, uuid: String?) {
            self.vendor = vendor
            self.product = product
            self.serial = serial
            self.uuid = uuid
        }
    }

    public enum FirmwareMode: String, CaseIterable, Sendable {
        case uefi, bios
    }

    public struct Firmware: Equatable, Sendable {
        public var mode: FirmwareMode
        /// nil under BIOS, or when efivars could not be read.
        public var secureBoot: Bool?

        public init(mode: FirmwareMode, secureBoot: Bool?) {
            self.mode = mode
            self.secureBoot = secureBoot
        }
    }

    public struct CPU: Equatable, Sendable {
        public var model: String?
        public var sockets: Int
        /// Physical cores over all sockets.
        public var cores: Int
        /// Logical CPUs.
        public var threads: Int

        public init(model: String?, sockets: Int, cores: Int, threads: Int) {
            self.model = model
            self.sockets = sockets
            self.cores = cores
            self.threads = threads
        }
    }

    public struct Memory: Equatable, Sendable {
        /// What the kernel manages (MemTotal): a little less than what is installed.
        public var totalBytes: Int

        public init(totalBytes: Int) { self.totalBytes = totalBytes }
    }

    /// How a disk is attached.
    public enum Transport: String, CaseIterable, Sendable {
        case sata, nvme, virtio, scsi, usb
    }

    public struct Disk: Equatable, Sendable {
        /// The kernel's name (`sda`, `nvme0n1`, `vda`).
        public var name: String
        /// `/dev/NAME`.
        public var path: String
        /// Its `/dev/disk/by-id/...` names.
        public var byID: [String]
        public var sizeBytes: Int
        public var model: String?
        public var serial: String?
        public var rotational: Bool?
        public var removable: Bool?
        public var transport: Transport?
        /// blkid's PTTYPE (`gpt`, `dos`, ...); nil when the disk holds no partition table.
        public var partitionTable: String?

        public init(name: String, path: String, byID: [String], sizeBytes: Int, model: String?, serial: String?, rotational: Bool?,
                    removable: Bool?, transport: Transport?, partitionTable: String?) {
            self.name = name
            self.path = path
            self.byID = byID
            self.sizeBytes = sizeBytes
            self.model = model
            self.serial = serial
            self.rotational = rotational
            self.removable = removable
            self.transport = transport
            self.partitionTable = partitionTable
        }
    }

    public struct NIC: Equatable, Sendable {
        public var name: String
        public var mac: MACAddress
        public var driver: String?
        /// Carrier detected.
        public var link: Bool?
        public var speedMbps: Int?

        public init(name: String, mac: MACAddress, driver: String?, link: Bool?, speedMbps: Int?) {
            self.name = name
            self.mac = mac
            self.driver = driver
            self.link = link
            self.speedMbps = speedMbps
        }
    }
}

extension HardwareFacts {
    /// The document in the form the environment sends (and `decode` reads back): what is
    /// stored and what the admin API answers.
    public var json: JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        func flag(_ value: Bool?) -> JSONValue { value.map(JSONValue.bool) ?? .null }
        func number(_ value: Int?) -> JSONValue { value.map(JSONValue.int) ?? .null }
        return .object([
            ("version", .int(Self.formatVersion)),
            ("environment", text(environment)),
            ("system", .object([("vendor", text(system.vendor)), ("product", text(system.product)), ("serial", text(system.serial)),
                                ("uuid", text(system.uuid))])),
            ("firmware", .object([("mode", .string(firmware.mode.rawValue)), ("secure_boot", flag(firmware.secureBoot))])),
            ("cpu", .object([("model", text(cpu.model)), ("sockets", .int(cpu.sockets)), ("cores", .int(cpu.cores)),
                             ("threads", .int(cpu.threads))])),
            ("memory", .object([("total_bytes", .int(memory.totalBytes))])),
            ("disks", .array(disks.map { disk in
                .object([("name", .string(disk.name)), ("path", .string(disk.path)), ("by_id", .array(disk.byID.map(JSONValue.string))),
                         ("size_bytes", .int(disk.sizeBytes)), ("model", text(disk.model)), ("serial", text(disk.serial)),
                         ("rotational", flag(disk.rotational)), ("removable", flag(disk.removable)),
                         ("transport", text(disk.transport?.rawValue)), ("partition_table", text(disk.partitionTable))])
            })),
            ("nics", .array(nics.map { nic in
                .object([("name", .string(nic.name)), ("mac", .string(nic.mac.description)), ("driver", text(nic.driver)),
                         ("link", flag(nic.link)), ("speed_mbps", number(nic.speedMbps))])
            })),
        ])
    }

    /// One line for an event: what an operator wants to know at a glance.
    public var summary: String {
        let gib = 1 << 30
        let product = [system.vendor, system.product].compactMap { $0 }.joined(separator: " ")
        let disks = self.disks.map { "\($0.name) \($0.sizeBytes / gib) GiB\($0.partitionTable.map { " \($0)" } ?? "")" }
        return "\(product.isEmpty ? "unknown system" : product), \(firmware.mode.rawValue), \(cpu.threads) CPUs, "
            + "\(memory.totalBytes / (1 << 20)) MiB, disks: \(disks.isEmpty ? "none" : disks.joined(separator: ", ")), \(nics.count) NICs"
    }
}
