import Boot
import Dispatch
import Foundation
import Inventory
import Net
import Synchronization
import Wire

/// DHCP on port 67 (and 4011 in proxy mode): decodes requests, asks `DHCPServerPolicy`, persists
/// leases, records what netboot clients say about themselves, and sends replies out of the
/// interface the request came in on. One thread serves both ports, so decisions are in order.
public final class DHCPService: @unchecked Sendable {
    private let sockets: [(socket: UDPSocket, port: UInt16)]
    private var policy: DHCPServerPolicy
    private let inventory: Inventory
    private let discoveries: DiscoveryRecorder
    /// Where the boot plane learns the addresses machines take (DESIGN.md §11).
    private let overheard: OverheardAddresses
    private let log: Logger
    private let stopped = Mutex<Bool>(false)
    /// Beats on every turn of the loop (at least every 250 ms): the watchdog's proof it runs.
    public let heartbeat = Heartbeat(plane: "dhcp")
    private let stalled = Mutex<Bool>(false)
    /// The machines as DHCP needs them, in memory; see `track`.
    private let machines: Mutex<DHCPMachines>
    private var malformed = 0
    private var malformedReported = 0
    /// Each socket's kernel drop count as last seen (SO_RXQ_OVFL), and the drops not yet logged;
    /// touched only on the dhcp thread.
    private var kernelDrops: [UInt32]
    private var dropsUnreported = 0
    private var dropsReportedAt = 0

    /// The receive buffer asked for each socket: a storm of a few thousand machines booting at
    /// once (DISCOVERs of ~300–600 bytes, each costing ~2 KiB of buffer) must wait in the kernel,
    /// not be dropped, while a batch commits.
    static let receiveBuffer = 8 << 20

    init(settings: DHCPSettings, mode: DHCPMode, inventory: Inventory, discoveries: DiscoveryRecorder, overheard: OverheardAddresses,
         discovery: DiscoveryPolicy,
         serverURL: String?, httpPort: UInt16, log: Logger) throws(StartupError) {
        let ports: [UInt16] = mode == .proxy ? [67, 4011] : [67]
        var sockets: [(UDPSocket, UInt16)] = []
        for port in ports {
            let address = SocketAddress(host: .v4(0), port: port)
            do {
                sockets.append((try UDPSocket(bind: address, broadcast: true, packetInfo: true, device: settings.interface), port))
            } catch {
                var message = "dhcp: \(error.description)"
                if error.errno == EACCES { message += "; run as root, grant CAP_NET_BIND_SERVICE, or pass --dhcp-mode off" }
                throw StartupError(message)
            }
        }
        for (socket, port) in sockets {
            socket.countDrops()
            let granted = socket.setReceiveBuffer(bytes: Self.receiveBuffer)
            log.info("dhcp-socket", ["port": String(port), "receive-buffer": String(granted)])
        }
        self.sockets = sockets
        kernelDrops = Array(repeating: 0, count: sockets.count)
        self.inventory = inventory
        self.discoveries = discoveries
        self.overheard = overheard
        self.log = log
        let leases: [Lease]
        do { leases = try inventory.leases() } catch { throw StartupError("dhcp: cannot load leases: \(error.description)") }
        do { machines = Mutex(DHCPMachines(try inventory.machines())) } catch {
            throw StartupError("dhcp: cannot load machines: \(error.description)")
        }
        policy = DHCPServerPolicy(mode: mode, subnets: settings.subnets, discovery: discovery, serverURL: serverURL, httpPort: httpPort,
                                  preferSNPOnly: settings.preferSNPOnly, leases: leases)
        log.info("dhcp-leases-loaded", ["count": String(leases.count), "mode": mode.rawValue,
                                        "subnets": settings.subnets.map(\.description).joined(separator: ",")])
    }

    public var ports: [UInt16] { sockets.map(\.port) }

    /// Keeps the in-memory machines current after a committed change. The machine is read back
    /// under the lock rather than taken from the change: changes are told after their commits, on
    /// the writers' threads, possibly out of order, but each read sees the latest commit.
    func track(_ change: InventoryChange) {
        let mac = change.machine.mac
        if change.kind == .deleted { overheard.forget([mac] + change.machine.nics) }
        machines.withLock { machines in
            do {
                if let current = try inventory.machine(mac), current.mac == mac { machines.update(current) } else { machines.remove(mac) }
            } catch {
                log.error("dhcp-machine-not-tracked", ["mac": mac.description, "error": "\(error)"])
                if change.kind == .deleted { machines.remove(mac) } else { machines.update(change.machine) }
            }
        }
    }

    public func start() {
        let thread = Thread { [self] in serve() }
        thread.name = "dhcp"
        thread.start()
    }

    public func stop() { stopped.withLock { $0 = true } }

    /// Test-only (`PROVISIOND_TEST_STALL`, see main.swift): the loop blocks for good at its next
    /// turn, as a deadlocked one would, so the watchdog restart can be shown under real systemd.
    public func stallForTesting() { stalled.withLock { $0 = true } }

    /// One decided request waiting for its leases (and sighting) to reach the disk before its
    /// reply goes out.
    private struct Decided {
        let mac: MACAddress
        let type: String
        let outcome: DHCPOutcome
        /// What the netboot client said of itself, when it is due to be written.
        let sighting: Sighting?
        let socket: UDPSocket
        let datagram: UDPSocket.Datagram
    }

    /// Most requests decided before their leases are committed together.
    private static let batchLimit = 64

    private func serve() {
        for (socket, _) in sockets { socket.setNonBlocking() }
        while !stopped.withLock({ $0 }) {
            heartbeat.beat()
            if stalled.withLock({ $0 }) {
                log.warning("dhcp-stalled-for-testing")
                DispatchSemaphore(value: 0).wait()
            }
            var batch: [Decided] = []
            for index in UDPSocket.waitReadable(sockets.map(\.socket), milliseconds: 250) {
                let (socket, port) = sockets[index]
                while batch.count < Self.batchLimit, let datagram = socket.receive() {
                    noteKernelDrops(datagram.kernelDrops, socket: index)
                    if let decided = decide(datagram, socket: socket, port: port) { batch.append(decided) }
                }
            }
            finish(batch)
        }
    }

    /// Commits the leases and sightings of every request in `batch` in one transaction (one fsync
    /// for a burst), then sends the replies: a lease is on disk before its client hears of it
    /// (RFC 2131 §4.3.1: the server must not forget an address it has ACKed). Sightings ride
    /// along, so the receive loop never waits for a write of its own.
    private func finish(_ batch: [Decided]) {
        let leases = batch.flatMap(\.outcome.leases)
        // One sighting per MAC (a DISCOVER and its REQUEST can share a batch): the last.
        var sightings: [(mac: MACAddress, sighting: Sighting)] = []
        for case let (mac, sighting?) in batch.reversed().map({ ($0.mac, $0.sighting) }) where !sightings.contains(where: { $0.mac == mac }) {
            sightings.append((mac, sighting))
        }
        var committed = true
        if !leases.isEmpty || !sightings.isEmpty {
            do {
                let discovered = try inventory.saveLeases(leases, sightings: sightings)
                do { try discoveries.sightingsWritten(sightings, discovered: discovered, now: Int(Date().timeIntervalSince1970)) } catch {
                    log.error("discovery-prune-failed", ["error": error.description])
                }
            } catch {
                committed = false
                log.error("dhcp-leases-not-saved", ["count": String(leases.count), "sightings": String(sightings.count),
                                                    "error": error.description])
            }
        }
        for decided in batch where committed || decided.outcome.leases.isEmpty {
            report(decided)
        }
    }

    private func decide(_ datagram: UDPSocket.Datagram, socket: UDPSocket, port: UInt16) -> Decided? {
        let request: DHCPPacket
        do { request = try DHCPPacket.decode(datagram.bytes) } catch {
            countMalformed(error.description, from: datagram.source)
            return nil
        }
        guard let mac = request.clientMAC, case .v4(let localRaw)? = datagram.local, case .v4(let sourceRaw) = datagram.source.host else {
            countMalformed("no client MAC or local address", from: datagram.source)
            return nil
        }
        if DHCPOfferProbe.isProbe(mac) { return nil }
        let now = Int(Date().timeIntervalSince1970)
        let known = machines.withLock { $0 }
        if known.machine(mac) != nil, let claimed = AddressEvidence.claimed(by: request, sourcePort: datagram.source.port) {
            overheard.record(claimed, claimedBy: mac)
        }
        let context = DHCPRequestContext(serverAddress: IPv4Address(rawValue: UInt32(bigEndian: localRaw)), port: port,
                                         source: (IPv4Address(rawValue: UInt32(bigEndian: sourceRaw)), datagram.source.port),
                                         now: now, machine: known.machine(mac))
        let outcome = policy.handle(request, context) { address in known.holder(of: address) }
        let sighting = outcome.netboot.map { Self.sighting(request, $0) }.flatMap { discoveries.sightingDue(mac, $0, now: now) ? $0 : nil }
        let type = request.options.messageType.map { "\($0)" } ?? "?"
        return Decided(mac: mac, type: type, outcome: outcome, sighting: sighting, socket: socket, datagram: datagram)
    }

    private func report(_ decided: Decided) {
        let (mac, type, outcome) = (decided.mac, decided.type, decided.outcome)
        ServerMetrics.shared.dhcpRequest(type: type, reply: outcome.reply?.packet.options.messageType.map { "\($0)" } ?? "none")
        guard let reply = outcome.reply else {
            // A release or decline changes a lease without an answer: worth a line; silence
            // towards clients that are not ours is not.
            log.log(outcome.leases.isEmpty ? .debug : .info, "dhcp-no-reply",
                    [("mac", mac.description), ("type", type), ("why", outcome.note ?? "-")])
            return
        }
        send(reply, socket: decided.socket, datagram: decided.datagram)
        log.info("dhcp", ["mac": mac.description, "type": type, "reply": reply.packet.options.messageType.map { "\($0)" } ?? "?",
                          "ip": reply.packet.yiaddr.rawValue == 0 ? "-" : reply.packet.yiaddr.description,
                          "file": reply.packet.file.isEmpty ? "-" : reply.packet.file, "to": describe(reply.destination),
                          "note": outcome.note ?? "-"])
    }

    private func send(_ reply: DHCPReply, socket: UDPSocket, datagram: UDPSocket.Datagram) {
        let bytes = reply.packet.encode()
        let destination: SocketAddress
        switch reply.destination {
        case .relay(let relay): destination = SocketAddress(host: .v4(relay.rawValue.bigEndian), port: 67)
        case .client(let address, let port): destination = SocketAddress(host: .v4(address.rawValue.bigEndian), port: port)
        case .broadcast: destination = SocketAddress(host: .v4(UInt32.max), port: 68)
        }
        let sent = socket.send(bytes, to: destination, interfaceIndex: datagram.interfaceIndex ?? 0, source: datagram.local)
        if !sent { log.warning("dhcp-send-failed", ["to": destination.description, "errno": String(errno)]) }
    }

    static func sighting(_ request: DHCPPacket, _ client: NetbootClient) -> Sighting {
        let relay = request.options.relayAgentInformation ?? []
        return Sighting(
            arch: client.architecture.map(Int.init), uuid: request.options.clientMachineUUID,
            vendorClass: request.options.vendorClass, userClass: request.options.userClass.isEmpty ? nil : request.options.userClass.joined(separator: ","),
            relay: request.giaddr.rawValue == 0 ? nil : request.giaddr,
            circuitID: relay.first { $0.code == 1 }?.value.hexString, remoteID: relay.first { $0.code == 2 }?.value.hexString)
    }

    /// Counts what the kernel dropped on a socket since its last datagram (a metric, and a log
    /// line at most a minute).
    private func noteKernelDrops(_ total: UInt32?, socket index: Int) {
        guard let total, total != kernelDrops[index] else { return }
        let added = Int(total &- kernelDrops[index])
        kernelDrops[index] = total
        ServerMetrics.shared.dhcpDroppedByKernel(added)
        dropsUnreported += added
        let now = Int(Date().timeIntervalSince1970)
        guard now - dropsReportedAt >= 60 else { return }
        log.warning("dhcp-kernel-drops", ["count": String(dropsUnreported), "port": String(sockets[index].port),
                                          "why": "the socket's receive buffer was full"])
        (dropsUnreported, dropsReportedAt) = (0, now)
    }

    private func countMalformed(_ why: String, from source: SocketAddress) {
        malformed += 1
        ServerMetrics.shared.dhcpMalformedPacket()
        // One line per malformed packet would let a flood fill the journal: log the first, then
        // a count at most every 1000.
        if malformed == 1 || malformed - malformedReported >= 1000 {
            log.warning("dhcp-malformed", ["peer": source.description, "error": why, "total": String(malformed)])
            malformedReported = malformed
        }
    }

    private func describe(_ destination: DHCPDestination) -> String {
        switch destination {
        case .relay(let relay): "relay:\(relay)"
        case .client(let address, let port): "\(address):\(port)"
        case .broadcast: "broadcast"
        }
    }
}
