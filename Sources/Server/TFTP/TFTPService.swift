import Dispatch
import Foundation
import Glibc
import Net
import Synchronization
import Wire

/// Read-only TFTP (DESIGN.md §5): requests arrive on the listening socket, read by a Dispatch
/// source on one serial queue; each transfer gets its own socket (a new port, RFC 1350 §4),
/// bound to the address the request was sent to, driven on one of the shared event loops
/// (`TFTPTransferRunner`). Transfers hold slots of a `ConnectionBudget`, in all and per client address,
/// so requests from a few addresses (spoofable: UDP) cannot take every slot; refusals over it
/// are logged as counts per interval.
public final class TFTPService: @unchecked Sendable {
    private let listener: UDPSocket
    private let queue = DispatchQueue(label: "provisiond.tftp")
    private var source: UDPReadSource?
    private let files: TFTPFiles
    private let limits: TFTPServerLimits
    private let maxAttempts: Int
    private let log: Logger
    private let slots: Mutex<ConnectionBudget>
    /// Where transfers run: each on the loop with the least to do when it starts.
    private let loops: EventLoopGroup
    private let busy: RateLimitedLog
    /// Requests refused (no such file, a write, bad options): anyone can send them, spoofed.
    private let refusals: RateLimitedLog
    /// Transfers that timed out: anyone can start one with a spoofed RRQ that is never acknowledged.
    private let gaveUp: RateLimitedLog
    /// What the kernel dropped on the listener; touched only on `queue`.
    private let kernelDrops: KernelDropReport
    /// Datagrams on the request port that are no request; touched only on `queue`.
    private let malformed: MalformedPacketLog
    /// Beats when the request queue runs a probe.
    public let heartbeat = Heartbeat(plane: "tftp")

    /// The listener's receive buffer: requests wait there while `queue` is not scheduled (a
    /// loaded host) or handles others; a storm of machines' RRQs (each ~1 KiB of buffer) must
    /// not overflow it, nor spoofed ones push a real client's out.
    static let receiveBuffer = 4 << 20

    /// Refusals and timed-out transfers written in full per 10 s (the rest as counts): enough for
    /// the file names a misconfigured machine asks for, too few to fill a journal.
    static let linesPerInterval = 10

    public var address: SocketAddress { listener.address }
    public var activeTransfers: Int { slots.withLock { $0.count } }

    /// `transfers`: at once in all; `transfersPerAddress`: at once for one client address.
    public init(address: SocketAddress, root: String, ipxeDir: String, retries: Int, transfers: Int, transfersPerAddress: Int,
                loops: EventLoopGroup = .shared, log: Logger) throws(NetError) {
        listener = try UDPSocket(bind: address, packetInfo: true)
        listener.countDrops()
        let granted = listener.setReceiveBuffer(bytes: Self.receiveBuffer)
        log.info("tftp-socket", ["port": String(listener.address.port), "receive-buffer": String(granted)])
        malformed = MalformedPacketLog(event: "tftp-malformed", log: log)
        kernelDrops = KernelDropReport(event: "tftp-kernel-drops", ports: [listener.address.port],
                                       metric: { ServerMetrics.shared.tftpDroppedByKernel($0) }, log: log)
        files = TFTPFiles(root: ServedDirectory(root: root), ipxe: ServedDirectory(root: ipxeDir, trustsSymlinks: true))
        limits = TFTPServerLimits()
        maxAttempts = retries + 1
        slots = Mutex(ConnectionBudget(total: transfers, perSource: transfersPerAddress))
        busy = RateLimitedLog(event: "tftp-busy", fields: [("listener", "tftp")], log: log)
        refusals = RateLimitedLog(event: "tftp-refused", fields: [("listener", "tftp")], linesPerInterval: Self.linesPerInterval, log: log)
        gaveUp = RateLimitedLog(event: "tftp-gave-up", fields: [("listener", "tftp")], linesPerInterval: Self.linesPerInterval, log: log)
        self.loops = loops
        self.log = log
    }

    public func start() {
        queue.sync {
            source = UDPReadSource(socket: listener, queue: queue) { [self] in
                listener.drain { datagram in
                    kernelDrops.note(datagram.kernelDrops, socket: 0)
                    handle(datagram)
                    return true
                }
            }
        }
    }

    /// Stops taking requests; transfers in progress carry on to their end (the counts of those
    /// that time out after this are written when their interval ends).
    public func stop() {
        queue.sync {
            source?.cancel()
            source = nil
        }
        busy.flush()
        refusals.flush()
        gaveUp.flush()
    }

    /// Makes the heartbeat beat from the request queue: it beats only while that queue turns.
    public func probe() { queue.async { [heartbeat] in heartbeat.beat() } }

    private func handle(_ datagram: UDPSocket.Datagram) {
        let peer = datagram.source.description
        let request: TFTPRequest
        do {
            switch try TFTPPacket.decode(datagram.bytes) {
            case .readRequest(let read): request = read
            case .writeRequest(let write):
                refuse(datagram, .accessViolation, "this server is read-only", reason: "write_request", file: write.filename)
                return
            default:
                // Not a request on the request port: no transfer to answer within (RFC 1350 §7).
                rejectMalformed(datagram, "expected a read request")
                return
            }
        } catch {
            rejectMalformed(datagram, error.description)
            return
        }
        let file: ServedDirectory.OpenFile
        do { file = try files.open(request.filename) } catch {
            let (code, reason): (TFTPErrorCode, String) = switch error {
            case .notFound: (.fileNotFound, "not_found")
            case .outOfDescriptors: (.notDefined, "out_of_descriptors")
            case .escapes, .notReadable: (.accessViolation, "access_violation")
            }
            refuse(datagram, code, error.description, reason: reason, file: request.filename)
            return
        }
        let length = TFTPBlockSource.length(of: file.descriptor, size: file.size, mode: request.mode)
        let negotiation: TFTPNegotiation
        do { negotiation = try TFTPNegotiation.negotiate(request.options, fileSize: length, limits: limits) } catch {
            close(file.descriptor)
            refuse(datagram, .optionNegotiation, error.description, reason: "bad_options", file: request.filename)
            return
        }
        let client = datagram.source.hostText
        // No eviction: a transfer in progress is not cut for a newcomer, and a refused client
        // retries its RRQ itself; an unacknowledged transfer frees its slot within seconds.
        if case .refuse(let reason) = slots.withLock({ $0.admit(client, mayEvict: false) }) {
            close(file.descriptor)
            busy.count(reason.rawValue)
            let message = reason == .perSource ? "server busy: too many transfers to this address" : "server busy: all transfer slots taken"
            sendError(datagram, .notDefined, message)
            return
        }
        let socket: UDPSocket
        do { socket = try transferSocket(for: datagram) } catch {
            close(file.descriptor)
            slots.withLock { $0.release(client) }
            log.error("tftp-socket-failed", ["peer": peer, "error": error.description])
            sendError(datagram, .notDefined, "server busy: no socket for the transfer")
            return
        }
        let source = TFTPBlockSource(file: file.descriptor, mode: request.mode, blockSize: negotiation.blockSize, windowSize: negotiation.windowSize)
        let transfer = TFTPTransfer(negotiation: negotiation, length: length, maxAttempts: maxAttempts)
        log.debug("tftp-start", ["peer": peer, "file": request.filename, "mode": request.mode.rawValue,
                                 "options": request.options.map(\.description).joined(separator: ",")])
        TFTPTransferRunner(socket: socket, loop: loops.leastLoaded(), source: source, transfer: transfer, name: request.filename,
                           client: datagram.source, log: log, gaveUp: gaveUp) {
            [self] in slots.withLock { $0.release(client) }
        }.start()
    }

    /// A fresh socket on the address the request was sent to, port chosen by the kernel,
    /// connected to the client so only its packets arrive.
    private func transferSocket(for datagram: UDPSocket.Datagram) throws(NetError) -> UDPSocket {
        let local = SocketAddress(host: datagram.local ?? listener.address.host, port: 0)
        let socket = try UDPSocket(bind: local)
        try socket.connect(to: datagram.source)
        return socket
    }

    /// Answers a request that starts no transfer with ERROR, from a new port like a transfer would.
    /// Logged in full up to `linesPerInterval`, then counted by `reason`.
    private func refuse(_ datagram: UDPSocket.Datagram, _ code: TFTPErrorCode, _ message: String, reason: String, file: String) {
        refusals.report(reason, level: .warning, [("peer", datagram.source.description), ("file", file), ("code", String(code.rawValue)),
                                                  ("error", message)])
        sendError(datagram, code, message)
    }

    /// Answers a datagram that is no request with ERROR 4, counted in the log rather than a line
    /// each (`MalformedPacketLog`).
    private func rejectMalformed(_ datagram: UDPSocket.Datagram, _ why: String) {
        malformed.note(why, from: datagram.source)
        sendError(datagram, .illegalOperation, why)
    }

    /// ERROR to a request that gets no transfer (refused, or over the slots), counted by code.
    /// With no socket to be had (descriptors exhausted) it leaves from port 69 instead: a client
    /// takes the port of the first answer to its request as the server's TID, whichever it is
    /// (RFC 1350 §4), and silence would leave it retrying a server that is refusing it.
    private func sendError(_ datagram: UDPSocket.Datagram, _ code: TFTPErrorCode, _ message: String) {
        ServerMetrics.shared.tftpError(code: code.rawValue)
        let packet = TFTPPacket.error(code: code, message: message).encode()
        if let socket = try? transferSocket(for: datagram) {
            socket.send(packet)
        } else {
            listener.send(packet, to: datagram.source)
        }
    }
}
