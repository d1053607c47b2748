/// The sending side of one TFTP read transfer as a value-type state machine (DESIGN.md §2, §5).
/// Feed it packets from the client and timer expiries; perform the `TFTPAction`s it returns.
///
/// - Blocks have absolute indices 1...`blockCount`; the last one is shorter than the block size,
///   possibly empty (RFC 1350 §6). On the wire index `i` is `UInt16(truncatingIfNeeded: i)`, so
///   block 65536 goes out as 0: the rollover tftp-hpa, atftp and curl expect for large files.
/// - With options the OACK goes first; the client's ACK 0 acknowledges it (RFC 2347 §2).
/// - A window is up to `windowSize` blocks after the last acknowledged one (RFC 7440 §4). An ACK
///   of any block sent but not yet acknowledged moves the window there and sends the next one;
///   an ACK of the final block ends the transfer.
/// - An ACK that acknowledges nothing new (a duplicate or an old one) does nothing: answering
///   it would be the sorcerer's apprentice bug (RFC 1123 §4.2.3.1). Only the timer retransmits.
/// - Each timeout resends the outstanding window (or OACK) with the timer doubled, up to eight
///   times the negotiated timeout (RFC 1123 §4.2.3.2 asks for back-off); after `maxAttempts`
///   unanswered transmissions of the same window the server gives up.
/// - Until the client's first ACK the transfer is unconfirmed: the request's source address may
///   be spoofed, and every retransmission would be a packet reflected at a stranger. So the first
///   packet (OACK or DATA 1) goes out at most `unconfirmedAttempts` times, `unconfirmedDelay`
///   apart, and the transfer gives up (and its slot) after that. Firmware that lost our answer
///   sends its RRQ again on its own timeout, as PXE ROMs and iPXE do.
public struct TFTPTransfer: Sendable {
    public let negotiation: TFTPNegotiation
    /// Bytes to send, after netascii conversion.
    public let length: Int
    public let blockSize: Int
    public let windowSize: Int
    public let maxAttempts: Int
    /// `length / blockSize + 1`.
    public let blockCount: Int
    /// The highest block index the client has acknowledged, 0 before any.
    public private(set) var lastAcknowledged = 0
    /// The highest block index sent so far.
    public private(set) var lastSent = 0
    /// Transmissions of the outstanding window (or OACK) so far: 1 after a first send.
    public private(set) var attempts = 0
    /// Set once the transfer is finished.
    public private(set) var outcome: TFTPOutcome?
    /// Whether the client has acknowledged anything yet (see "unconfirmed" above).
    public private(set) var confirmed = false
    private var phase: Phase = .notStarted

    /// Transmissions of the first packet before the client's first ACK: 3 DATA (or OACK) packets
    /// at most per request, however long the negotiated timeout or `maxAttempts`.
    public static let unconfirmedAttempts = 3
    /// The timer before the client's first ACK: short, so an unanswered request frees its slot
    /// within `unconfirmedAttempts` seconds.
    public static let unconfirmedDelay: Double = 1

    private enum Phase: Sendable {
        case notStarted, awaitingOptionAck, sending, finished
    }

    /// - Parameters:
    ///   - length: bytes to send (after netascii conversion); negative counts as 0.
    ///   - maxAttempts: transmissions of one window before giving up, at least 1.
    ///
    /// The block size is taken as at least 1 and the window as 1...65535, so at most 65535
    /// blocks are outstanding and every 16-bit ACK number maps to one block.
    public init(negotiation: TFTPNegotiation, length: Int, maxAttempts: Int = 6) {
        self.negotiation = negotiation
        self.length = max(0, length)
        self.blockSize = max(1, negotiation.blockSize)
        self.windowSize = min(65535, max(1, negotiation.windowSize))
        self.maxAttempts = max(1, maxAttempts)
        self.blockCount = self.length / blockSize + 1
    }

    public var isFinished: Bool { phase == .finished }

    /// Byte offsets of block `index` within the converted file; empty outside 1...`blockCount`.
    public func payloadRange(ofBlock index: Int) -> Range<Int> {
        guard index >= 1, index <= blockCount else { return 0..<0 }
        let start = (index - 1) * blockSize
        return start..<min(start + blockSize, length)
    }

    /// Timer length for the `attempt`-th transmission: `unconfirmedDelay` until the client's
    /// first ACK, then the negotiated timeout doubled each time, at most eight times it.
    public func retransmissionDelay(attempt: Int) -> Double {
        guard confirmed else { return Self.unconfirmedDelay }
        let base = Double(max(1, negotiation.timeoutSeconds))
        return base * Double(1 << (min(max(attempt, 1), 4) - 1))
    }

    /// Begins the transfer: the OACK if options were acknowledged, else the first window.
    /// Only the first call does anything.
    public mutating func start() -> [TFTPAction] {
        guard phase == .notStarted else { return [] }
        attempts = 1
        guard negotiation.acknowledged.isEmpty else {
            phase = .awaitingOptionAck
            return [.sendOptionAck(negotiation.acknowledged), .armTimer(seconds: retransmissionDelay(attempt: 1))]
        }
        phase = .sending
        return sendWindow()
    }

    /// A packet from the client's transfer ID.
    public mutating func receive(_ packet: TFTPPacket) -> [TFTPAction] {
        guard phase != .finished else { return [] }
        switch packet {
        case .ack(let block):
            return acknowledge(block)
        case .error(let code, let message):
            return finish(.clientError(code, message))
        case .readRequest, .writeRequest, .data, .optionAck:
            let message = "unexpected \(packet.opcode.name) during a read transfer: expected ACK or ERROR"
            return [.sendError(.illegalOperation, message)] + finish(.clientError(.illegalOperation, message))
        }
    }

    /// The retransmission timer fired.
    public mutating func timeout() -> [TFTPAction] {
        switch phase {
        case .notStarted, .finished:
            return []
        case .awaitingOptionAck, .sending:
            guard attempts < (confirmed ? maxAttempts : min(maxAttempts, Self.unconfirmedAttempts)) else {
                let given = attempts
                return [.sendError(.notDefined, "timed out after \(given) attempts")] + finish(.gaveUp(attempts: given))
            }
            attempts += 1
            if phase == .awaitingOptionAck {
                return [.sendOptionAck(negotiation.acknowledged), .armTimer(seconds: retransmissionDelay(attempt: attempts))]
            }
            return resendWindow()
        }
    }

    private mutating func acknowledge(_ block: UInt16) -> [TFTPAction] {
        switch phase {
        case .notStarted, .finished:
            return []
        case .awaitingOptionAck:
            guard block == 0 else { return [] }
            phase = .sending
            confirmed = true
            attempts = 1
            return sendWindow()
        case .sending:
            // Distance from the last acknowledged block, modulo 2^16: the outstanding blocks are
            // 1...(lastSent - lastAcknowledged) ahead, at most 65535, so the match is unique.
            let ahead = Int(block &- UInt16(truncatingIfNeeded: lastAcknowledged))
            guard ahead >= 1, ahead <= lastSent - lastAcknowledged else { return [] }
            lastAcknowledged += ahead
            confirmed = true
            if lastAcknowledged == blockCount { return finish(.completed) }
            attempts = 1
            return sendWindow()
        }
    }

    /// Sends the blocks after the last acknowledged one, up to a window, and arms the timer.
    private mutating func sendWindow() -> [TFTPAction] {
        lastSent = min(lastAcknowledged + windowSize, blockCount)
        return resendWindow()
    }

    private func resendWindow() -> [TFTPAction] {
        var actions: [TFTPAction] = []
        actions.reserveCapacity(lastSent - lastAcknowledged + 1)
        for index in (lastAcknowledged + 1)...lastSent {
            actions.append(.sendBlock(index: index, wireNumber: UInt16(truncatingIfNeeded: index)))
        }
        actions.append(.armTimer(seconds: retransmissionDelay(attempt: attempts)))
        return actions
    }

    private mutating func finish(_ result: TFTPOutcome) -> [TFTPAction] {
        phase = .finished
        outcome = result
        return [.finish(result)]
    }
}
