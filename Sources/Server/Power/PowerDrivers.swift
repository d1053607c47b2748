import Foundation
import Glibc
import Inventory
import Power
import Proxmox
import Wire

/// Turns a machine's stored power settings into a driver: Redfish over curl with the settings'
/// trust, IPMI through `ipmitool` run by the ProcessRunner, or the machine's Proxmox VM through
/// its endpoint. Files the drivers need live in `<data>/power/` (0700): trust files, and for
/// IPMI the password in a 0600 file of its own per operation, removed when it ends.
struct PowerDrivers: Sendable {
    let inventory: Inventory
    let proxmox: ProxmoxConnections?
    let directory: String
    /// Bounds one Redfish request and one ipmitool run, so an unreachable BMC fails in time.
    var requestTimeout: Double = 30

    /// A driver for one operation and the cleanup after it.
    struct Session {
        let driver: any PowerDriver
        let close: @Sendable () -> Void
    }

    /// Checks settings before they are stored: what would be refused at the first operation is
    /// refused now, without contacting the BMC.
    func validate(_ record: PowerSettingsRecord) throws(PowerError) {
        switch record.driver {
        case .redfish:
            _ = try RedfishEndpoint(url: record.address, user: record.username ?? "", password: record.password ?? "", trust: .system)
            guard record.caPEM == nil || record.fingerprint == nil else { throw .invalid("give a CA file or a fingerprint, not both") }
            do {
                if let pem = record.caPEM, try PEMCertificates.decode(pem).isEmpty { throw PowerError.invalid("the CA file holds no PEM certificate") }
                if let fingerprint = record.fingerprint { _ = try CertificateFingerprint(fingerprint) }
            } catch let error as PowerError {
                throw error
            } catch {
                throw .invalid("\(error)")
            }
        case .ipmi:
            _ = try ipmiCommand(record, passwordFile: "")
            guard let password = record.password, !password.isEmpty else { throw .invalid("an IPMI BMC needs a password") }
            // IPMI v2.0 §13.31: a user password is at most 20 bytes.
            guard password.utf8.count <= 20, !password.contains(where: \.isNewline) else {
                throw .invalid("an IPMI password is at most 20 bytes on one line")
            }
        case .proxmox:
            _ = try proxmoxVM(record)
        }
    }

    func open(_ record: PowerSettingsRecord) throws(PowerError) -> Session {
        switch record.driver {
        case .redfish:
            let trust: ProxmoxEndpoint.Trust
            do {
                trust = try TrustFiles(directory: directory).trust(name: record.mac.replacingOccurrences(of: ":", with: ""),
                                                                  caPEM: record.caPEM, fingerprint: record.fingerprint)
            } catch {
                throw .invalid(error.description)
            }
            let endpoint = try RedfishEndpoint(url: record.address, user: record.username ?? "", password: record.password ?? "", trust: trust)
            return Session(driver: try RedfishClient.connect(endpoint, timeout: requestTimeout), close: {})
        case .ipmi:
            let passwordFile = try writePasswordFile(record)
            let command: IPMIToolCommand
            do { command = try ipmiCommand(record, passwordFile: passwordFile) } catch {
                unlink(passwordFile)
                throw error
            }
            let timeout = requestTimeout
            let driver = IPMIToolDriver(command: command) { arguments throws(PowerError) in try Self.ipmitool(arguments, timeout: timeout) }
            return Session(driver: driver, close: { unlink(passwordFile) })
        case .proxmox:
            let vm = try proxmoxVM(record)
            guard let proxmox else { throw .invalid("Proxmox is not available in this server") }
            let client: ProxmoxClient
            do { client = try proxmox.client(record.address) } catch { throw .invalid(error.message) }
            return Session(driver: ProxmoxPowerDriver(client: client, node: vm.node, vmid: vm.vmid), close: {})
        }
    }

    /// The BMC's place for logs and answers: the URL, `HOST:PORT`, or `ENDPOINT/NODE/VMID`.
    static func describe(_ record: PowerSettingsRecord) -> String {
        switch record.driver {
        case .redfish: record.address
        case .ipmi: "\(record.address):\(record.port ?? 623)"
        case .proxmox: record.address
        }
    }

    private func ipmiCommand(_ record: PowerSettingsRecord, passwordFile: String) throws(PowerError) -> IPMIToolCommand {
        // `options=efiboot` unless the deploy environment found legacy BIOS firmware.
        let facts = (try? MACAddress(record.mac)).flatMap { try? inventory.facts(of: $0) }
        let uefi = facts?.facts.firmware.mode != .bios
        return try IPMIToolCommand(host: record.address, port: record.port ?? 623, user: record.username ?? "", passwordFile: passwordFile,
                                   cipherSuite: record.cipherSuite, uefi: uefi)
    }

    /// The VM recorded for the machine under the endpoint `proxmox vm create` made it through.
    private func proxmoxVM(_ record: PowerSettingsRecord) throws(PowerError) -> ProxmoxVMRecord {
        let vms: [ProxmoxVMRecord]
        do { vms = try inventory.proxmoxVMs(endpoint: record.address) } catch { throw .invalid(error.description) }
        guard let vm = vms.first(where: { $0.mac == record.mac }) else {
            throw .invalid("no VM of \(record.mac) is recorded under the Proxmox endpoint \(record.address) (VMs made by provisionctl proxmox vm create are)")
        }
        return vm
    }

    /// The password in a new 0600 file (ipmitool `-f`): never in argv, where `ps` shows it.
    private func writePasswordFile(_ record: PowerSettingsRecord) throws(PowerError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .invalid("cannot create \(directory): \(error.localizedDescription)")
        }
        var template = Array("\(directory)/ipmi-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .invalid("cannot create a password file in \(directory): errno \(errno)") }
        defer { close(fd) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let bytes = Array((record.password ?? "").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            unlink(path)
            throw .invalid("cannot write the password file \(path): errno \(errno)")
        }
        return path
    }

    /// One ipmitool run with a time limit (it stops itself after about 10 s of silence; the
    /// limit is for a BMC that answers forever).
    private static func ipmitool(_ arguments: [String], timeout: Double) throws(PowerError) -> IPMIToolDriver.Run {
        let outcome: ProcessOutcome
        do { outcome = try ProcessRunner(arguments: ["ipmitool"] + arguments, timeout: timeout, grace: 2, tailLines: 200).run() } catch {
            throw .invalid("cannot run ipmitool: \(error)")
        }
        switch outcome.termination {
        case .exited(let status): return IPMIToolDriver.Run(exitStatus: status, output: outcome.tail.joined(separator: "\n"))
        case .timedOut: throw .unreachable("ipmitool \(outcome.status): \(outcome.tail.suffix(3).joined(separator: " | "))")
        case .signaled: throw .bmc(status: nil, message: "ipmitool ended by \(outcome.status)")
        }
    }
}
