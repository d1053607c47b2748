import Boot
import Dispatch
import Foundation
import Inventory
import Net
import Synchronization
import Wire

/// DHCP on port 67 (and 4011 in proxy mode): decodes requests, asks `DHCPServerPolicy`, persists
/// leases, records what netboot clients say about themselves, and sends replies out of the
/// interface the request came in on.
///
/// Two serial queues: `queue` owns the sockets' read sources, drains each socket when it fires
/// and decides every request in arrival order (so the policy's state needs no lock);
/// `commitQueue` writes what the decisions need on disk and then sends the replies that must wait
/// for it. Group commit: writes decided while a commit runs wait in `staged` and go to disk
/// together in the next one, which `commitQueue` starts as soon as the last ends, so one fsync
/// serves a burst and the receive path never waits for the disk. Only a lease must be on disk
/// before its reply (RFC 2131 §4.3.1); a sighting is written in the next batch while its OFFER
/// goes out at once.
public final class DHCPService: @unchecked Sendable {
    private let sockets: [(socket: UDPSocket, port: UInt16)]
    private let queue = DispatchQueue(label: "provisiond.dhcp")
    private let commitQueue = DispatchQueue(label: "provisiond.dhcp.commit")
    private var sources: [UDPReadSource] = []
    /// Decided requests whose writes (and, for some, replies) wait for a commit, in decision
    /// order, and whether `commitQueue` is committing: shared by the two queues, so a commit that
    /// ends takes the next batch at once. (When the next batch waited for `queue`, it waited for
    /// the drain in progress there, which under a steady 15,000 requests/s rarely ends.)
    private let staged = Mutex(Staged())
    private struct Staged {
        var pending: [Decided] = []
        var committing = false

        /// Everything staged, which is then empty.
        mutating func takeAll() -> [Decided] {
            defer { pending = [] }
            return pending
        }
    }
    /// How many replies to each MAC wait for a commit (pending or committing); on `queue`. While
    /// one waits, that client's later replies wait too, so none overtakes it (an ACK repeated
    /// for a retransmitted REQUEST must not leave before the lease it confirms is on disk).
    private var repliesWaiting: [MACAddress: Int] = [:]
    /// Whether the read sources are suspended because `staged` reached `pendingLimit`; on `queue`.
    private var paused = false
    /// Most requests waiting for a commit. Past it the sockets are not read until the commit
    /// ends: a flood waits in the kernel's receive buffer (`receiveBuffer`), not in our memory,
    /// and the next commit takes a batch this size at most.
    static let pendingLimit = 512
    private var policy: DHCPServerPolicy
    private let inventory: Inventory
    private let discoveries: DiscoveryRecorder
    /// Where the boot plane learns the addresses machines take (DESIGN.md §11).
    private let overheard: OverheardAddresses
    private let log: Logger
    /// Beats when `queue` runs a probe: the watchdog's proof it is not stuck.
    public let heartbeat = Heartbeat(plane: "dhcp")
    /// The machines as DHCP needs them, in memory; see `track`.
    private let machines: Mutex<DHCPMachines>
    /// Datagrams that did not decode; touched only on `queue`.
    private let malformed: MalformedPacketLog
    /// What the kernel dropped on the sockets (a full receive buffer); touched only on `queue`.
    private let kernelDrops: KernelDropReport

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
                // Shared (SO_REUSEADDR): a DHCP server must bind the wildcard address to see
                // broadcasts, and so does one serving another interface (libvirt's dnsmasq, bound
                // to virbr0); unshared, provisiond on every interface would not start beside it.
                sockets.append((try UDPSocket(bind: address, shared: true, broadcast: true, packetInfo: true, device: settings.interface), port))
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
        malformed = MalformedPacketLog(event: "dhcp-malformed", log: log)
        kernelDrops = KernelDropReport(event: "dhcp-kernel-drops", ports: sockets.map(\.1),
                                       metric: { ServerMetrics.shared.dhcpDroppedByKernel($0) }, log: log)
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
        queue.sync {
            sources = sockets.enumerated().map { index, entry in
                UDPReadSource(socket: entry.socket, queue: queue) { [self] in receive(socket: index) }
            }
        }
    }

    /// Stops receiving, then waits for the commit in progress, so every lease decided so far is
    /// on disk and its reply sent before the caller checkpoints the database.
    public func stop() {
        queue.sync {
            for source in sources { source.cancel() }
            sources = []
        }
        // After the commit in progress, if any: nothing is decided any more.
        commitQueue.sync { finish(staged.withLock { $0.takeAll() }) }
    }

    /// Makes the heartbeat beat from `queue`: it beats only while that queue turns.
    public func probe() { queue.async { [heartbeat] in heartbeat.beat() } }

    /// Test-only (`PROVISIOND_TEST_STALL`, see main.swift): the queue blocks for good, as a
    /// deadlocked one would, so the watchdog restart can be shown under real systemd.
    public func stallForTesting() {
        queue.async { [log] in
            log.warning("dhcp-stalled-for-testing")
            DispatchSemaphore(value: 0).wait()
        }
    }

    /// One decided request waiting for its leases (and sighting) to reach the disk before its
    /// reply goes out.
    private struct Decided: @unchecked Sendable {
        let mac: MACAddress
        let type: String
        let outcome: DHCPOutcome
        /// What the netboot client said of itself, when it is due to be written.
        let sighting: Sighting?
        let socket: UDPSocket
        /// Where the request arrived (IP_PKTINFO), so the reply leaves the same way; the
        /// request's bytes are not kept.
        let interfaceIndex: Int32?
        let local: SocketAddress.Host?
        /// Whether the reply goes out only after the commit (set when queued).
        var replyAfterCommit = false

        var writes: Bool { !outcome.leases.isEmpty || sighting != nil }
    }

    /// On `queue`, when socket `index` has datagrams: reads until it is empty, deciding each. A
    /// reply that changes a lease waits for the commit that writes it, and so does any later reply
    /// to the same MAC while it waits; every other reply goes out at once, its sighting (if any)
    /// joining `staged` for the next commit. A commit starts as soon as none is running.
    private func receive(socket index: Int) {
        let (socket, port) = sockets[index]
        var waiting = 0
        socket.drain { datagram in
            kernelDrops.note(datagram.kernelDrops, socket: index)
            guard var decided = decide(datagram, socket: socket, port: port) else { return true }
            decided.replyAfterCommit = !decided.outcome.leases.isEmpty || repliesWaiting[decided.mac] != nil
            if decided.replyAfterCommit { repliesWaiting[decided.mac, default: 0] += 1 }
            if decided.writes || decided.replyAfterCommit {
                let (count, start) = staged.withLock { staged in
                    staged.pending.append(decided)
                    defer { staged.committing = true }
                    return (staged.pending.count, !staged.committing)
                }
                waiting = count
                if start { commitQueue.async { [self] in commitStaged() } }
            }
            if !decided.replyAfterCommit { report(decided) }
            return waiting < Self.pendingLimit
        }
        if waiting >= Self.pendingLimit, !paused {
            paused = true
            for source in sources { source.suspend() }
        }
    }

    /// On `commitQueue`: commits what is staged, batch after batch, until nothing is. After each
    /// batch `queue` counts its replies as sent and, if a full list had stopped the reading,
    /// reads again.
    private func commitStaged() {
        while let batch = staged.withLock({ staged -> [Decided]? in
            guard !staged.pending.isEmpty else {
                staged.committing = false
                return nil
            }
            return staged.takeAll()
        }) {
            finish(batch)
            queue.async { [self] in
                for decided in batch where decided.replyAfterCommit {
                    repliesWaiting[decided.mac]! -= 1
                    if repliesWaiting[decided.mac] == 0 { repliesWaiting[decided.mac] = nil }
                }
                if paused {
                    paused = false
                    for source in sources { source.resume() }
                }
            }
        }
    }

    /// On `commitQueue`: commits the leases and sightings of every request in `batch` in one
    /// transaction (one fsync for a burst), then sends the replies that waited for it: a lease is
    /// on disk before its client hears of it (RFC 2131 §4.3.1: the server must not forget an
    /// address it has ACKed). Sightings ride along, so the receive path never waits for a write of
    /// its own.
    private func finish(_ batch: [Decided]) {
        let leases = batch.flatMap(\.outcome.leases)
        // One sighting per MAC (a DISCOVER and its REQUEST can share a batch): the last.
        var sightings: [(mac: MACAddress, sighting: Sighting)] = []
        var sighted = Set<MACAddress>()
        for case let (mac, sighting?) in batch.reversed().map({ ($0.mac, $0.sighting) }) where sighted.insert(mac).inserted {
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
        for decided in batch where decided.replyAfterCommit && (committed || decided.outcome.leases.isEmpty) {
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
        return Decided(mac: mac, type: type, outcome: outcome, sighting: sighting, socket: socket,
                       interfaceIndex: datagram.interfaceIndex, local: datagram.local)
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
        send(reply, decided)
        log.info("dhcp", ["mac": mac.description, "type": type, "reply": reply.packet.options.messageType.map { "\($0)" } ?? "?",
                          "ip": reply.packet.yiaddr.rawValue == 0 ? "-" : reply.packet.yiaddr.description,
                          "file": reply.packet.file.isEmpty ? "-" : reply.packet.file, "to": describe(reply.destination),
                          "note": outcome.note ?? "-"])
    }

    private func send(_ reply: DHCPReply, _ decided: Decided) {
        let bytes = reply.packet.encode()
        let destination: SocketAddress
        switch reply.destination {
        case .relay(let relay): destination = SocketAddress(host: .v4(relay.rawValue.bigEndian), port: 67)
        case .client(let address, let port): destination = SocketAddress(host: .v4(address.rawValue.bigEndian), port: port)
        case .broadcast: destination = SocketAddress(host: .v4(UInt32.max), port: 68)
        }
        let sent = decided.socket.send(bytes, to: destination, interfaceIndex: decided.interfaceIndex ?? 0, source: decided.local)
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

    private func countMalformed(_ why: String, from source: SocketAddress) {
        ServerMetrics.shared.dhcpMalformedPacket()
        malformed.note(why, from: source)
    }

    private func describe(_ destination: DHCPDestination) -> String {
        switch destination {
        case .relay(let relay): "relay:\(relay)"
        case .client(let address, let port): "\(address):\(port)"
        case .broadcast: "broadcast"
        }
    }
}
