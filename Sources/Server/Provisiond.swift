import Dispatch
import Boot
import Foundation
import Glibc
import Inventory
import Net
import Wire

/// The running server: opens the inventory, starts the listeners, and shuts down on SIGTERM or
/// SIGINT.
public final class Provisiond: @unchecked Sendable {
    public static let version = "0.1.0"

    public let config: ServerConfig
    public let inventory: Inventory
    private let servers: [HTTPServer]
    private let tftp: TFTPService?
    private let dhcp: DHCPService?
    private let deployer: KubesprayDeployer
    private let installTimeouts: InstallTimeoutSweeper
    private let watchdog: SystemdWatchdog
    private let powerPoller: PowerPoller?
    private let profiles: ProfileCatalog
    private let log: Logger

    public init(config: ServerConfig) throws(StartupError) {
        self.config = config
        let log = Logger(component: "provisiond", minimum: config.logLevel)
        self.log = log
        let descriptors = Self.budgetDescriptors(config, log)
        do {
            try FileManager.default.createDirectory(atPath: config.dataDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw StartupError("cannot create data directory \(config.dataDir): \(error.localizedDescription)")
        }
        for (given, resolved) in [(config.assetsDir, config.resolvedAssetsDir), (config.tftpRoot, config.resolvedTFTPRoot)] where given == nil {
            try? FileManager.default.createDirectory(atPath: resolved, withIntermediateDirectories: true)
        }
        do { inventory = try Inventory(path: config.databasePath, keepsLookups: true,
                                                blockingSection: { EventLoop.blocking($0) }) } catch { throw StartupError(error.description) }
        ServerMetrics.shared.attach(inventory, subnets: config.dhcp.subnets)
        let token = try AdminToken.loadOrCreate(path: config.adminTokenPath, log: log)
        let hooks = HookRunner(directory: config.resolvedHooksDir, timeout: config.hookTimeout, inventory: inventory, log: log.named("hooks"),
                               home: ProcessInfo.processInfo.environment["HOME"])
        let deployer = KubesprayDeployer(inventory: inventory, settings: .init(command: config.kubesprayCommand, directory: config.kubesprayDir,
                                                                                timeout: config.kubesprayTimeout, clustersDir: config.clustersDir),
                                         log: log.named("kubespray"))
        self.deployer = deployer
        inventory.observe { change in
            hooks.fire(change.event, change.machine)
            deployer.changed(change)
        }
        let profiles = try ProfileCatalog.load(directories: config.resolvedProfilesDirs, cloudInitDirectories: config.resolvedCloudInitDirs,
                                               requireDirectories: config.profilesDirs != nil)
        self.profiles = profiles
        Self.logProfiles(profiles, log)
        if let name = config.commissionProfile, profiles.profile(name)?.profile.kernel == nil {
            throw StartupError("commission profile \"\(name)\" is not a profile with a kernel in \(profiles.directories.joined(separator: ":"))")
        }
        let schedule = WatchdogSchedule.from(environment: ProcessInfo.processInfo.environment, pid: getpid())
        let health = ServiceHealth(inventory: inventory, maxAge: schedule.maxAge)
        watchdog = SystemdWatchdog(health: health, schedule: schedule, log: log.named("watchdog"))
        let lastSeen = BootPlaneLastSeen()
        installTimeouts = InstallTimeoutSweeper(inventory: inventory, profiles: profiles, globalLimit: config.installTimeout, lastSeen: lastSeen,
                                                log: log.named("install-timeout"))
        let discoveries = DiscoveryRecorder(inventory: inventory, limits: .init(discovered: config.discoveryLimit, writesPerSecond: config.discoveryRate),
                                            log: log.named("discovery"))
        let overheard = OverheardAddresses()
        let origin = OriginGuard(inventory: inventory, profiles: profiles, trust: config.metadataTrust, overheard: overheard,
                                 log: log.named("boot"))
        if config.metadataTrust == .mac {
            log.warning("metadata-trust-mac", ["why": "any host that knows a machine's MAC can read its user-data and report for it"])
        }
        let images = try ImageStore(directory: config.dataDir + "/images", log: log.named("images"))
        let boot = BootPlane(inventory: inventory, profiles: profiles, assets: AssetResponder(directory: ServedDirectory(root: config.resolvedAssetsDir)),
                             ipxe: AssetResponder(directory: ServedDirectory(root: config.ipxeDir, trustsSymlinks: true)),
                             discovery: config.discovery, commissionProfile: config.commissionProfile, serverURL: config.serverURL,
                             cloudInit: CloudInitEndpoint(inventory: inventory, profiles: profiles, serverURL: config.serverURL,
                                                          origin: origin, log: log.named("cloud-init")), images: images,
                             discoveries: discoveries, lastSeen: lastSeen, origin: origin, health: health, log: log.named("boot"))
        var options = HTTPServerOptions(idleTimeout: config.idleTimeout, headTimeout: config.requestHeadTimeout,
                                        bodyTimeout: config.requestBodyTimeout, connections: descriptors.httpConnections,
                                        connectionsPerAddress: config.httpConnectionsPerAddress)
        // Every boot-plane request runs on its event loop: they read memory, files and the inventory's
        // caches, and their writes wait through `EventLoop.blocking`.
        let http = try Self.server("http", config.httpListen, options, log.named("http"), runsOnLoop: { _ in true }, boot.handle)
        options.connections = descriptors.adminConnections
        options.connectionsPerAddress = config.adminConnectionsPerAddress
        let serverURL = config.serverURL ?? Self.reachableURL(http.address)
        let doctor = ServerDoctor(
            facts: .init(dataDir: config.dataDir, databasePath: config.databasePath, adminTokenPath: config.adminTokenPath,
                         assetsDir: config.resolvedAssetsDir, ipxeDir: config.ipxeDir, dhcpMode: config.dhcp.mode?.rawValue,
                         interface: config.dhcp.interface, tftpListen: config.tftpListen),
            inventory: inventory, profiles: profiles)
        var admin = AdminAPI(inventory: inventory, token: token, boot: boot, previewServerURL: serverURL,
                             proxmox: ProxmoxAPI(inventory: inventory, dataDir: config.dataDir, serverURL: serverURL,
                                                 taskTimeout: config.proxmoxTaskTimeout, log: log.named("proxmox")),
                             background: BackgroundWork(hooks: hooks.pending, kubespray: deployer.pending), health: health)
        admin.doctor = doctor
        let power = PowerService(inventory: inventory, drivers: PowerDrivers(inventory: inventory, proxmox: admin.proxmox?.connections,
                                                                             directory: config.dataDir + "/power"),
                                 log: log.named("power"))
        admin.power = PowerAPI(inventory: inventory, service: power, log: log.named("power"))
        powerPoller = config.powerPollInterval.map { PowerPoller(service: power, interval: $0, log: log.named("power-poller")) }
        admin.images = images
        // The metrics listener (off by default) takes the admin plane's figures.
        // The admin API on Dispatch (Proxmox operations, power, bulk writes may take seconds), but for
        // the probes that must answer while it is busy.
        let adminServer = try Self.server("admin", config.adminListen, options, log.named("admin"),
                                    runsOnLoop: { $0.path == "/healthz" || $0.path == "/metrics" }, admin.handle)
        var servers = [adminServer, http]
        if let listen = config.metricsListen {
            servers.append(try Self.server("metrics", listen, options, log.named("metrics"), runsOnLoop: { _ in true }, MetricsEndpoint.handle))
        }
        self.servers = servers
        tftp = try Self.tftpService(config, transfers: descriptors.tftpTransfers, log.named("tftp"))
        doctor.listening(servers.map { ($0.name, $0.address.description) } + (tftp.map { [("tftp", $0.address.description)] } ?? []),
                         serverURL: serverURL)
        if let mode = config.dhcp.mode {
            let service = try DHCPService(settings: config.dhcp, mode: mode, inventory: inventory, discoveries: discoveries,
                                          overheard: overheard,                                          discovery: config.discovery, serverURL: config.serverURL, httpPort: http.address.port,
                                          log: log.named("dhcp"))
            inventory.observe { change in service.track(change) }
            dhcp = service
        } else {
            dhcp = nil
        }
        for server in servers { health.monitor(server.heartbeat, probe: server.probe) }
        if let tftp { health.monitor(tftp.heartbeat, probe: tftp.probe) }
        if let dhcp { health.monitor(dhcp.heartbeat, probe: dhcp.probe) }
    }

    /// What was loaded; no profile at all gets a warning where the operator looks first, since
    /// every registered machine would be refused its install.
    private static func logProfiles(_ profiles: ProfileCatalog, _ log: Logger) {
        let names = profiles.profiles.keys.sorted()
        let directories = profiles.directories.joined(separator: ":")
        if names.isEmpty {
            log.warning("no-profiles", ["dir": directories, "detail": "no profile found: every machine will be refused; pass --profiles-dir"])
        }
        log.info("profiles", ["dir": directories, "count": String(names.count), "names": names.joined(separator: ",")])
    }

    /// SIGHUP (`systemctl reload`): reads the profiles and templates again. Nothing else restarts,
    /// so transfers in progress go on; a broken profile keeps the ones in use, and says why.
    public func reloadProfiles() {
        do {
            try profiles.reload()
            Self.logProfiles(profiles, log)
        } catch {
            log.error("profiles-not-reloaded", ["error": error.description, "detail": "the profiles loaded before stay in use"])
        }
    }

    /// How machines would reach an HTTP address: itself, or for a wildcard listener this host's
    /// first non-loopback IPv4 address.
    private static func reachableURL(_ address: SocketAddress) -> String {
        let unspecified = address.hostText == "0.0.0.0" || address.hostText == "::"
        guard unspecified, let host = InterfaceAddresses.firstNonLoopbackIPv4() else { return "http://\(address)" }
        return "http://\(host):\(address.port)"
    }

    /// Raises the descriptor limit to the hard one and shares it among the planes; logs both once.
    private static func budgetDescriptors(_ config: ServerConfig, _ log: Logger) -> DescriptorBudget {
        let (old, new) = DescriptorLimit.raiseToHard()
        let budget = DescriptorBudget(limit: new, config: config)
        log.info("descriptors", ["limit_was": String(old), "limit": String(new), "reserve": String(budget.reserve),
                                 "http_connections": String(budget.httpConnections), "admin_connections": String(budget.adminConnections),
                                 "tftp_transfers": String(budget.tftpTransfers)])
        if budget.overcommitted {
            log.warning("descriptors-overcommitted", ["planes": String(budget.planes), "limit": String(new), "reserve": String(budget.reserve),
                                                      "hint": "lower --http-connections, --admin-connections or --tftp-transfers"])
        }
        return budget
    }

    private static func tftpService(_ config: ServerConfig, transfers: Int, _ log: Logger) throws(StartupError) -> TFTPService? {
        guard let listen = config.tftpListen else { return nil }
        do {
            return try TFTPService(address: try SocketAddress(listen), root: config.resolvedTFTPRoot, ipxeDir: config.ipxeDir,
                                   retries: config.tftpRetries, transfers: transfers, transfersPerAddress: config.tftpTransfersPerAddress,
                                   log: log)
        } catch let error as SocketAddressError {
            throw StartupError("tftp listen: \(error.description)")
        } catch {
            throw StartupError("tftp listen: \(error) (or run with --tftp-listen off)")
        }
    }

    private static func server(_ name: String, _ listen: String, _ options: HTTPServerOptions, _ log: Logger,
                               runsOnLoop: @escaping @Sendable (HTTPRequest) -> Bool, _ handler: @escaping HTTPHandler) throws(StartupError) -> HTTPServer {
        do {
            return try HTTPServer(name: name, address: try SocketAddress(listen), options: options, log: log, runsOnLoop: runsOnLoop,
                                  handler: handler)
        } catch let error as SocketAddressError {
            throw StartupError("\(name) listen: \(error.description)")
        } catch {
            throw StartupError("\(name) listen: \(error)")
        }
    }

    /// The signals that stop the daemon; `main` blocks them before anything starts and waits for
    /// them (`SignalWatcher`).
    public static let stopSignals = [SIGTERM, SIGINT]

    /// Starts serving; returns at once.
    public func start() {
        for server in servers {
            server.start()
            log.info("listening", ["service": server.name, "address": server.address.description])
        }
        if let tftp {
            tftp.start()
            log.info("listening", ["service": "tftp", "address": tftp.address.description])
        }
        if let dhcp {
            dhcp.start()
            log.info("listening", ["service": "dhcp", "ports": dhcp.ports.map(String.init).joined(separator: ","),
                                   "interface": config.dhcp.interface ?? "all"])
        }
        deployer.refreshAll()
        installTimeouts.start()
        powerPoller?.start()
        watchdog.start()
        log.info("started", ["version": Self.version, "data": config.dataDir, "schema": String((try? inventory.schemaVersion()) ?? 0)])
        SystemdNotifier.notify("READY=1")
    }

    /// Test-only: blocks the DHCP queue for good (see main.swift).
    public func stallForTesting() {
        guard let dhcp else { return log.warning("stall-for-testing-ignored", ["reason": "DHCP is off"]) }
        dhcp.stallForTesting()
    }

    /// Shuts every plane down after `signal`; the caller exits afterwards.
    public func stop(signal: Int32) {
        log.info("stopping", ["signal": signal == SIGTERM ? "SIGTERM" : "SIGINT"])
        SystemdNotifier.notify("STOPPING=1")
        for server in servers { server.stop() }
        tftp?.stop()
        dhcp?.stop()
        installTimeouts.stop()
        powerPoller?.stop()
        watchdog.stop()
        do { try inventory.checkpoint() } catch { log.warning("checkpoint-failed", ["error": "\(error)"]) }
        log.info("stopped")
    }
}
