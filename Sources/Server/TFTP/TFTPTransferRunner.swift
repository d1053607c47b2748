import Dispatch
import Foundation
import Net
import Synchronization
import Wire

/// Drives one `TFTPTransfer` on Dispatch: the state machine decides, this performs. The
/// transfer's socket has a read source and the transfer a timer source, both on one serial queue
/// of its own (so its state needs no lock); the queues of all transfers share one concurrent
/// target, so 2,000 transfers run on Dispatch's few worker threads, not on a thread each.
///
/// A lock-step transfer is one round trip per block, and each packet Dispatch delivers costs two
/// thread wake-ups (its event thread's, then a worker's) where a thread blocked in recv cost one.
/// So while no more transfers run than there are cores, a transfer that just moved on keeps its
/// worker for up to `holdMilliseconds` waiting for the next ACK in a blocking `recv` (the socket
/// stays blocking; the drains Dispatch triggers never block); beyond that it never waits, and no
/// worker is held.
final class TFTPTransferRunner: @unchecked Sendable {
    private let socket: UDPSocket
    private let source: TFTPBlockSource
    private var transfer: TFTPTransfer
    private let name: String
    private let client: SocketAddress
    private let log: Logger
    private let onFinish: @Sendable () -> Void
    private let queue = DispatchQueue(label: "provisiond.tftp.transfer", target: TFTPTransferRunner.transfers)
    private let timer: DispatchSourceTimer
    private var reader: UDPReadSource?
    private var started: UInt64 = 0
    /// Set by `end`: an event already queued behind it finds nothing to do.
    private var ended = false
    /// When the state machine's timer expires, and when the timer source is set to fire (never
    /// earlier). Re-arming on every ACK only moves `deadline`; the source is rescheduled when it
    /// fires early or must fire sooner, so a busy transfer costs no timer call per block.
    private var deadline: UInt64 = .max
    private var timerFiresAt: UInt64 = .max
    /// DATA payload bytes and blocks sent again after a timeout, for `ServerMetrics`.
    private var bytesSent = 0
    private var retransmits = 0
    private var packet: [UInt8]
    /// Client packets are ACKs and ERRORs: small. A longer datagram is cut and fails to decode.
    private var incoming = [UInt8](repeating: 0, count: 1024)

    private static let transfers = DispatchQueue(label: "provisiond.tftp.transfers", attributes: .concurrent)
    /// Transfers running now, in all runners.
    private static let running = Atomic<Int>(0)
    private static let holdLimit = ProcessInfo.processInfo.activeProcessorCount
    private static let holdMilliseconds = 2
    /// How late a retransmission may fire: timeouts are whole seconds (RFC 2349).
    private static let timerLeeway = DispatchTimeInterval.milliseconds(20)

    init(socket: UDPSocket, source: TFTPBlockSource, transfer: TFTPTransfer, name: String, client: SocketAddress, log: Logger,
         onFinish: @escaping @Sendable () -> Void) {
        self.socket = socket
        self.source = source
        self.transfer = transfer
        self.name = name
        self.client = client
        self.log = log
        self.onFinish = onFinish
        timer = DispatchSource.makeTimerSource(queue: queue)
        packet = [0, 3, 0, 0]
        packet.reserveCapacity(transfer.blockSize + 4)
    }

    /// Sends the first packet; from then on the sources drive the transfer until it finishes.
    /// The sources' handlers hold the runner until then.
    func start() {
        Self.running.add(1, ordering: .relaxed)
        queue.async { [self] in
            started = DispatchTime.now().uptimeNanoseconds
            timer.setEventHandler { [self] in timerFired() }
            timer.resume()
            socket.setReceiveTimeout(milliseconds: Self.holdMilliseconds)
            reader = UDPReadSource(socket: socket, queue: queue) { [self] in readable() }
            if let outcome = perform(transfer.start()) { end(outcome) }
        }
    }

    /// Reads what the source said is waiting. After an ACK that moved the transfer on, while few
    /// transfers run, the next packet is awaited right here in a blocking `recv` bounded by the
    /// socket's receive timeout (`holdMilliseconds`): one syscall per ACK, as a thread per
    /// transfer had, instead of an empty non-blocking `recv`, a `poll` and the `recv`.
    private func readable() {
        var wait = false
        while !ended, let count = socket.receive(into: &incoming, wait: wait) {
            let acknowledged = transfer.lastAcknowledged
            // A datagram that is not TFTP is noise: ignore it, the timer still runs.
            if let packet = try? TFTPPacket.decode(Array(incoming[..<count])), let outcome = perform(transfer.receive(packet)) {
                return end(outcome)
            }
            // Only progress earns the wait: noise or duplicates go back to Dispatch, so the timer
            // (on this same queue) is never kept waiting by them.
            wait = transfer.lastAcknowledged > acknowledged && Self.running.load(ordering: .relaxed) <= Self.holdLimit
        }
    }

    private func timerFired() {
        timerFiresAt = .max
        guard !ended else { return }
        guard DispatchTime.now().uptimeNanoseconds >= deadline else { return schedule(deadline) }
        if let outcome = perform(transfer.timeout(), afterTimeout: true) { end(outcome) }
    }

    private func schedule(_ time: UInt64) {
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: time), leeway: Self.timerLeeway)
        timerFiresAt = time
    }

    /// Stops both sources (releasing their handlers, and with them the runner, its socket and
    /// its file), then reports.
    private func end(_ outcome: TFTPOutcome) {
        ended = true
        Self.running.subtract(1, ordering: .relaxed)
        reader?.cancel()
        timer.setEventHandler(handler: nil)
        timer.cancel()
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
                deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1_000_000_000)
                if deadline < timerFiresAt { schedule(deadline) }
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
            log.warning("tftp-gave-up", ["peer": client.description, "file": name, "attempts": String(attempts),
                                         "acked_blocks": String(transfer.lastAcknowledged), "ms": rounded])
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
