import Dispatch
import Foundation
import Net
import Wire

/// Drives one `TFTPTransfer` on an event loop: the state machine decides, this performs. The
/// transfer's socket sits in the epoll set of one of the shared loops (`UDPLoopSocket`), whose
/// thread reads its ACKs and sends its blocks, and the transfer's timer is the socket's
/// deadline, so its state needs no lock and 2,000 transfers run on one thread per core. A loop
/// that wakes serves every transfer whose ACK arrived meanwhile in one turn: under Dispatch each
/// ACK cost two thread wake-ups and a re-arm of its source (bench/tftp-storm.sh).
final class TFTPTransferRunner: @unchecked Sendable {
    private let socket: UDPSocket
    private let watch: UDPLoopSocket
    private let source: TFTPBlockSource
    private var transfer: TFTPTransfer
    private let name: String
    private let client: SocketAddress
    private let log: Logger
    private let gaveUp: RateLimitedLog
    private let onFinish: @Sendable () -> Void
    private var started: UInt64 = 0
    /// Set by `end`: nothing runs for the transfer after it.
    private var ended = false
    /// DATA payload bytes and blocks sent again after a timeout, for `ServerMetrics`.
    private var bytesSent = 0
    private var retransmits = 0
    private var packet: [UInt8]
    /// Client packets are ACKs and ERRORs: small. A longer datagram is cut and fails to decode.
    private var incoming = [UInt8](repeating: 0, count: 1024)

    init(socket: UDPSocket, loop: EventLoop, source: TFTPBlockSource, transfer: TFTPTransfer, name: String, client: SocketAddress,
         log: Logger, gaveUp: RateLimitedLog, onFinish: @escaping @Sendable () -> Void) {
        self.socket = socket
        watch = UDPLoopSocket(socket: socket, loop: loop)
        self.source = source
        self.transfer = transfer
        self.name = name
        self.client = client
        self.log = log
        self.gaveUp = gaveUp
        self.onFinish = onFinish
        packet = [0, 3, 0, 0]
        packet.reserveCapacity(transfer.blockSize + 4)
    }

    /// Sends the first packet; from then on the loop drives the transfer until it finishes. The
    /// socket's handlers hold the runner until then.
    func start() {
        watch.loop.execute { [self] in
            started = DispatchTime.now().uptimeNanoseconds
            guard watch.start(onReadable: { [self] in readable() }, onDeadline: { [self] in timerFired() }) else {
                log.error("tftp-socket-failed", ["peer": client.description, "file": name, "error": "the event loop cannot watch the socket"])
                _ = perform([.sendError(.notDefined, "server busy: cannot start the transfer")])
                ended = true
                return onFinish()
            }
            if let outcome = perform(transfer.start()) { end(outcome) }
        }
    }

    /// Reads one datagram: the loop calls again while more wait, after the other ready sockets
    /// (an ACK per window is all a client sends, so a second read would mostly find nothing).
    private func readable() {
        guard !ended, let count = socket.receive(into: &incoming) else { return }
        // A datagram that is not TFTP is noise: ignore it, the timer still runs.
        if let packet = try? TFTPPacket.decode(Array(incoming[..<count])), let outcome = perform(transfer.receive(packet)) {
            end(outcome)
        }
    }

    private func timerFired() {
        guard !ended else { return }
        if let outcome = perform(transfer.timeout(), afterTimeout: true) { end(outcome) }
    }

    /// Takes the socket out of the loop (releasing its handlers, and with them the runner, its
    /// socket and its file), then reports.
    private func end(_ outcome: TFTPOutcome) {
        ended = true
        watch.cancel()
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        report(outcome, milliseconds: milliseconds)
        onFinish()
    }

    /// Performs actions in order; returns the outcome once the transfer finishes.
    private func perform(_ actions: [TFTPAction], afterTimeout: Bool = false) -> TFTPOutcome? {
        for action in actions {
            switch action {
            case .sendOptionAck(let options):
                socket.send(TFTPPacket.optionAck(options).encode())
            case .sendBlock(let index, let wireNumber):
                packet[2] = UInt8(wireNumber >> 8)
                packet[3] = UInt8(wireNumber & 0xFF)
                guard source.fill(&packet, index: index, range: transfer.payloadRange(ofBlock: index)) else {
                    socket.send(TFTPPacket.error(code: .notDefined, message: "read error").encode())
                    return .clientError(.notDefined, "read error on the server")
                }
                // A send the kernel refuses (its buffer full) is a lost datagram: the timer
                // resends the window, as for one lost on the wire.
                socket.send(packet)
                bytesSent += packet.count - 4
                if afterTimeout { retransmits += 1 }
            case .armTimer(let seconds):
                watch.setDeadline(DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1_000_000_000))
            case .sendError(let code, let message):
                socket.send(TFTPPacket.error(code: code, message: message).encode())
                ServerMetrics.shared.tftpError(code: code.rawValue)
            case .finish(let outcome):
                return outcome
            }
        }
        return nil
    }

    private func report(_ outcome: TFTPOutcome, milliseconds: Double) {
        let fields: KeyValuePairs<String, String>
        let rounded = String((milliseconds * 10).rounded() / 10)
        ServerMetrics.shared.tftpTransfer(outcome: outcome.metricLabel, bytesSent: bytesSent, retransmits: retransmits)
        switch outcome {
        case .completed:
            let mibPerSecond = milliseconds > 0 ? Double(transfer.length) / 1_048_576 / (milliseconds / 1000) : 0
            fields = ["peer": client.description, "file": name, "bytes": String(transfer.length), "blksize": String(transfer.blockSize),
                      "windowsize": String(transfer.windowSize), "ms": rounded, "mib_s": String((mibPerSecond * 10).rounded() / 10)]
            log.info("tftp-sent", fields)
        case .clientError(let code, let message):
            log.warning("tftp-aborted", ["peer": client.description, "file": name, "code": String(code.rawValue), "error": message, "ms": rounded])
        case .gaveUp(let attempts):
            // A transfer never acknowledged is what a spoofed RRQ makes: counted past a few lines.
            gaveUp.report(transfer.confirmed ? "stalled" : "unacknowledged", level: .warning,
                          [("peer", client.description), ("file", name), ("attempts", String(attempts)),
                           ("acked_blocks", String(transfer.lastAcknowledged)), ("ms", rounded)])
        }
    }
}

extension TFTPOutcome {
    /// The `outcome` label of `provisiond_tftp_transfers_total`.
    var metricLabel: String {
        switch self {
        case .completed: "completed"
        case .clientError: "client-error"
        case .gaveUp: "gave-up"
        }
    }
}
