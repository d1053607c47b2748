import Dispatch
import Foundation
import Net
import Wire

/// Drives one `TFTPTransfer` on its own thread and socket: the state machine decides, this
/// performs (send, wait for the next packet or the timer) until it finishes.
final class TFTPTransferRunner: @unchecked Sendable {
    private let socket: UDPSocket
    private let source: TFTPBlockSource
    private var transfer: TFTPTransfer
    private let name: String
    private let client: SocketAddress
    private let log: Logger
    private let onFinish: @Sendable () -> Void
    private var deadline: UInt64 = 0
    /// DATA payload bytes and blocks sent again after a timeout, for `ServerMetrics`.
    private var bytesSent = 0
    private var retransmits = 0
    private var packet: [UInt8]
    /// Client packets are ACKs and ERRORs: small. A longer datagram is cut and fails to decode.
    private var incoming = [UInt8](repeating: 0, count: 1024)
    /// How late a retransmission may fire, at most: timeouts are whole seconds (RFC 2349).
    private static let tickMilliseconds = 100

    init(socket: UDPSocket, source: TFTPBlockSource, transfer: TFTPTransfer, name: String, client: SocketAddress, log: Logger,
         onFinish: @escaping @Sendable () -> Void) {
        self.socket = socket
        self.source = source
        self.transfer = transfer
        self.name = name
        self.client = client
        self.log = log
        self.onFinish = onFinish
        packet = [0, 3, 0, 0]
        packet.reserveCapacity(transfer.blockSize + 4)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "tftp \(client)"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    private func run() {
        let started = DispatchTime.now().uptimeNanoseconds
        // One blocking recv per packet, waking at least every tick to check the retransmission
        // deadline: a lock-step transfer costs one send and one recv per block, no poll.
        socket.setReceiveTimeout(milliseconds: Self.tickMilliseconds)
        var outcome = perform(transfer.start())
        while outcome == nil {
            if let count = socket.receive(into: &incoming) {
                // A datagram that is not TFTP is noise: ignore it, the timer still runs.
                if let packet = try? TFTPPacket.decode(Array(incoming[..<count])) { outcome = perform(transfer.receive(packet)) }
            } else if DispatchTime.now().uptimeNanoseconds >= deadline {
                outcome = perform(transfer.timeout(), afterTimeout: true)
            }
        }
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        report(outcome!, milliseconds: milliseconds)
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
                socket.send(packet)
                bytesSent += packet.count - 4
                if afterTimeout { retransmits += 1 }
            case .armTimer(let seconds):
                deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1_000_000_000)
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
