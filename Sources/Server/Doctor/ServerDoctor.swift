import Boot
import Doctor
import Foundation
import Glibc
import Inventory
import Net
import Synchronization
import Wire

/// `GET /api/v1/doctor`: the server looks at itself from where it runs (its interface, ports,
/// files and database) and answers one `DoctorCheck` each; `DoctorVerdicts` and
/// `DHCPCoexistence` judge, this gathers.
///
/// The checks run here rather than in provisionctl because they need what only the server has:
/// the provisioning interface and the privilege to bind port 68 for the DHCP probe (the CLI may
/// run unprivileged, or on another host), the data directory, and the paths it was started with.
final class ServerDoctor: Sendable {
    struct Facts: Sendable {
        var dataDir: String
        var databasePath: String
        var adminTokenPath: String
        var assetsDir: String
        var ipxeDir: String
        var dhcpMode: String?
        var interface: String?
        var tftpListen: String?
    }

    private let facts: Facts
    private let inventory: Inventory
    private let profiles: ProfileCatalog
    /// Filled once the listeners are bound: name and address each; the boot plane URL machines use.
    private let bound = Mutex<(listeners: [(String, String)], serverURL: String)>(([], ""))

    init(facts: Facts, inventory: Inventory, profiles: ProfileCatalog) {
        self.facts = facts
        self.inventory = inventory
        self.profiles = profiles
    }

    func listening(_ listeners: [(String, String)], serverURL: String) {
        bound.withLock { $0 = (listeners, serverURL) }
    }

    /// Every check; `dhcpWait` seconds of listening for other DHCP servers' offers.
    func run(dhcpWait: Double) -> [DoctorCheck] {
        let (listeners, serverURL) = bound.withLock { $0 }
        return [ports(listeners), otherDHCPServers(wait: dhcpWait), ipxe()] + profileAssets()
            + [reachability(serverURL), database(), disk(), token(), DoctorVerdicts.clock(serverNow: Date().timeIntervalSince1970)]
    }

    private func ports(_ listeners: [(String, String)]) -> DoctorCheck {
        var listed = listeners.map { "\($0.0) \($0.1)" }
        if let mode = facts.dhcpMode { listed.append("dhcp \(mode) on \(mode == "proxy" ? "67,4011" : "67") (\(facts.interface ?? "every interface"))") }
        let details = listeners.map { ($0.0, JSONValue.string($0.1)) } + [("dhcp", facts.dhcpMode.map { .string($0) } ?? .null)]
        let text = "bound: " + listed.joined(separator: ", ")
        if facts.dhcpMode == nil {
            return DoctorCheck("ports", .warn, text + "; DHCP is off",
                               fix: "machines then need another DHCP server that points them at provisiond; --dhcp-mode proxy coexists with one",
                               details: details)
        }
        if facts.tftpListen == nil {
            return DoctorCheck("ports", .warn, text + "; TFTP is off",
                               fix: "PXE firmware without iPXE loads undionly.kpxe/ipxe.efi over TFTP: pass --tftp-listen 0.0.0.0:69",
                               details: details)
        }
        return DoctorCheck("ports", .ok, text, details: details)
    }

    private func otherDHCPServers(wait: Double) -> DoctorCheck {
        let via = facts.interface ?? "the default route's interface"
        guard wait > 0 else {
            return DoctorCheck("dhcp-other-servers", .warn, "not probed (a wait of 0 s)", fix: "run doctor with --dhcp-wait 3 to look for them")
        }
        switch DHCPOfferProbe.run(interface: facts.interface, wait: wait) {
        case .success(let offers):
            return DHCPCoexistence.check(offers, mode: facts.dhcpMode, waited: wait, via: via)
        case .failure(let error):
            return DoctorCheck("dhcp-other-servers", .warn, "cannot probe \(via): \(error.description)",
                               fix: error.errno == EACCES ? "the probe binds port 68: give provisiond CAP_NET_BIND_SERVICE"
                                   : "a DHCP client holding port 68 on this host, or no route for broadcasts: pass --interface")
        }
    }

    private func ipxe() -> DoctorCheck {
        var sizes: [String: UInt64] = [:]
        for binary in DoctorVerdicts.ipxeBinaries {
            if let size = Self.fileSize(facts.ipxeDir + "/" + binary.file) { sizes[binary.file] = size }
        }
        return DoctorVerdicts.ipxe(directory: facts.ipxeDir, sizes: sizes)
    }

    private func profileAssets() -> [DoctorCheck] {
        profiles.profiles.keys.sorted().compactMap { profiles.profiles[$0]?.profile }.map { profile in
            let sources = (profile.kernel.map { [("kernel", $0)] } ?? []) + profile.initrds.map { ("initrd", $0) }
            let files = sources.map { role, source in
                let safe = AssetPath.components(source) != nil && !DoctorVerdicts.isRemote(source)
                return (role: role, source: source, size: safe ? Self.fileSize(facts.assetsDir + "/" + source) : nil)
            }
            return DoctorVerdicts.profileAssets(profile: profile.name, assetsDir: facts.assetsDir, files: files)
        }
    }

    /// `GET URL/healthz` from the interface's address, as a machine on that segment would.
    private func reachability(_ url: String) -> DoctorCheck {
        let source = facts.interface.flatMap { InterfaceAddresses.firstNonLoopbackIPv4(interface: $0) }
        guard let (host, port) = DoctorVerdicts.endpoint(of: url), let destination = try? SocketAddress("\(host):\(port)") else {
            return DoctorVerdicts.serverURL(url, source: source, answer: .failure(DoctorFailure("not an http://ADDRESS:PORT URL provisiond can check")))
        }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
        let from = source.flatMap { try? SocketAddress("\($0):0") }
        let answer: Result<Int, DoctorFailure> = switch TCPExchange.run(to: destination, from: from, request: request, timeout: 3) {
        case .success(let bytes): Self.status(bytes).map { .success($0) } ?? .failure(DoctorFailure("the answer is not HTTP"))
        case .failure(let error): .failure(DoctorFailure(error.description))
        }
        return DoctorVerdicts.serverURL(url, source: source, answer: answer)
    }

    private func database() -> DoctorCheck {
        let result: Result<[String], DoctorFailure>
        do { result = .success(try inventory.quickCheck()) } catch { result = .failure(DoctorFailure(error.description)) }
        return DoctorVerdicts.database(path: facts.databasePath, quickCheck: result)
    }

    private func disk() -> DoctorCheck {
        var stats = statvfs()
        guard statvfs(facts.dataDir, &stats) == 0 else {
            return DoctorCheck("disk", .fail, "cannot stat \(facts.dataDir): \(String(cString: strerror(errno)))")
        }
        return DoctorVerdicts.disk(path: facts.dataDir, freeBytes: UInt64(stats.f_bavail) * UInt64(stats.f_frsize),
                                   totalBytes: UInt64(stats.f_blocks) * UInt64(stats.f_frsize))
    }

    private func token() -> DoctorCheck {
        var info = stat()
        return DoctorVerdicts.adminToken(path: facts.adminTokenPath, mode: stat(facts.adminTokenPath, &info) == 0 ? info.st_mode : nil)
    }

    private static func fileSize(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return UInt64(info.st_size)
    }

    /// The status code of an HTTP/1.x status line.
    private static func status(_ bytes: [UInt8]) -> Int? {
        let line = String(decoding: bytes.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self).split(separator: " ")
        guard line.count >= 2, line[0].hasPrefix("HTTP/1.") else { return nil }
        return Int(line[1])
    }
}
