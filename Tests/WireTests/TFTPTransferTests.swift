import Testing
import Wire

@Suite("TFTPTransfer: state machine")
struct TFTPTransferTests {
    static func transfer(length: Int, blockSize: Int = 512, windowSize: Int = 1, timeout: Int = 1,
                         options: [TFTPOption] = [], maxAttempts: Int = 6) -> TFTPTransfer
    {
        TFTPTransfer(negotiation: TFTPNegotiation(blockSize: blockSize, windowSize: windowSize, timeoutSeconds: timeout,
                                                  acknowledged: options),
                     length: length, maxAttempts: maxAttempts)
    }

    /// Sends of blocks `indices` followed by one timer of `seconds`.
    static func window(_ indices: ClosedRange<Int>, timer seconds: Double = 1) -> [TFTPAction] {
        indices.map { .sendBlock(index: $0, wireNumber: UInt16(truncatingIfNeeded: $0)) } + [.armTimer(seconds: seconds)]
    }

    enum Input: CustomStringConvertible {
        case start, ack(UInt16), timeout, packet(TFTPPacket)
        var description: String {
            switch self {
            case .start: "start"
            case .ack(let block): "ACK \(block)"
            case .timeout: "timeout"
            case .packet(let packet): "\(packet)"
            }
        }
    }

    /// Feeds the inputs in order and checks every answer.
    static func run(_ transfer: inout TFTPTransfer, _ script: [(Input, [TFTPAction])],
                    sourceLocation: SourceLocation = #_sourceLocation)
    {
        for (step, (input, expected)) in script.enumerated() {
            let actions: [TFTPAction] = switch input {
            case .start: transfer.start()
            case .ack(let block): transfer.receive(.ack(block: block))
            case .timeout: transfer.timeout()
            case .packet(let packet): transfer.receive(packet)
            }
            #expect(actions == expected, "step \(step): \(input)", sourceLocation: sourceLocation)
        }
    }

    @Test("block count and payload ranges (RFC 1350 §6: the last block is short, possibly empty)", arguments: [
        (0, 512, 1, [0..<0]),
        (1, 512, 1, [0..<1]),
        (511, 512, 1, [0..<511]),
        (512, 512, 2, [0..<512, 512..<512]),
        (513, 512, 2, [0..<512, 512..<513]),
        (1024, 512, 3, [0..<512, 512..<1024, 1024..<1024]),
        (3000, 1428, 3, [0..<1428, 1428..<2856, 2856..<3000]),
        (16, 8, 3, [0..<8, 8..<16, 16..<16]),
    ] as [(Int, Int, Int, [Range<Int>])])
    func blocks(_ length: Int, _ blockSize: Int, _ count: Int, _ ranges: [Range<Int>]) {
        let transfer = Self.transfer(length: length, blockSize: blockSize)
        #expect(transfer.blockCount == count)
        #expect((1...count).map { transfer.payloadRange(ofBlock: $0) } == ranges)
        #expect(transfer.payloadRange(ofBlock: 0).isEmpty)
        #expect(transfer.payloadRange(ofBlock: count + 1).isEmpty)
        #expect(transfer.payloadRange(ofBlock: -5).isEmpty)
    }

    @Test("empty file: one empty block, then done")
    func emptyFile() {
        var transfer = Self.transfer(length: 0)
        Self.run(&transfer, [
            (.start, Self.window(1...1)),
            (.ack(1), [.finish(.completed)]),
            (.ack(1), []),
            (.timeout, []),
            (.start, []),
        ])
        #expect(transfer.isFinished)
        #expect(transfer.outcome == .completed)
    }

    @Test("lossless lock-step transfers", arguments: [(511, 1), (512, 2), (513, 2), (5000, 10)])
    func lockStep(_ length: Int, _ blocks: Int) {
        var transfer = Self.transfer(length: length)
        #expect(transfer.blockCount == blocks)
        var script: [(Input, [TFTPAction])] = [(.start, Self.window(1...1))]
        for block in 1..<blocks { script.append((.ack(UInt16(block)), Self.window(block + 1...block + 1))) }
        script.append((.ack(UInt16(blocks)), [.finish(.completed)]))
        Self.run(&transfer, script)
        #expect(transfer.isFinished)
    }

    @Test("the OACK comes first and ACK 0 acknowledges it")
    func optionAck() {
        let options = [TFTPOption(name: "blksize", value: "1024"), TFTPOption(name: "tsize", value: "2048")]
        var transfer = Self.transfer(length: 2048, blockSize: 1024, options: options)
        Self.run(&transfer, [
            (.start, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.start, []),
            (.ack(1), []),  // nothing sent yet
            (.ack(0), Self.window(1...1)),
            (.ack(0), []),  // duplicate ACK of the OACK: no retransmission
            (.ack(1), Self.window(2...2)),
            (.ack(2), Self.window(3...3)),
            (.ack(3), [.finish(.completed)]),
        ])
    }

    @Test("an OACK never acknowledged goes out 3 times, 1 s apart, whatever the timeout and maxAttempts", arguments: [1, 5])
    func optionAckTimeout(_ timeout: Int) {
        let options = [TFTPOption(name: "tsize", value: "10"), TFTPOption(name: "timeout", value: String(timeout))]
        var transfer = Self.transfer(length: 10, timeout: timeout, options: options, maxAttempts: 6)
        Self.run(&transfer, [
            (.start, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.timeout, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.timeout, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.timeout, [.sendError(.notDefined, "timed out after 3 attempts"), .finish(.gaveUp(attempts: 3))]),
            (.ack(0), []),
        ])
        #expect(!transfer.confirmed)
    }

    @Test("DATA 1 of a request never acknowledged goes out 3 times, 1 s apart, then the transfer gives up", arguments: [
        (1, 6), (4, 6), (1, 21), (2, 3),
    ])
    func unconfirmedDataTimeout(_ timeout: Int, _ maxAttempts: Int) {
        var transfer = Self.transfer(length: 5000, timeout: timeout, maxAttempts: maxAttempts)
        Self.run(&transfer, [
            (.start, Self.window(1...1)),
            (.ack(0), []),  // acknowledges nothing: still unconfirmed
            (.timeout, Self.window(1...1)),
            (.timeout, Self.window(1...1)),
            (.timeout, [.sendError(.notDefined, "timed out after 3 attempts"), .finish(.gaveUp(attempts: 3))]),
        ])
    }

    @Test("fewer configured attempts than 3 bound the unconfirmed phase too")
    func unconfirmedWithFewerAttempts() {
        var transfer = Self.transfer(length: 5000, maxAttempts: 2)
        Self.run(&transfer, [
            (.start, Self.window(1...1)),
            (.timeout, Self.window(1...1)),
            (.timeout, [.sendError(.notDefined, "timed out after 2 attempts"), .finish(.gaveUp(attempts: 2))]),
        ])
    }

    @Test("after the first ACK the established policy holds: back-off from the negotiated timeout, maxAttempts")
    func confirmedKeepsEstablishedPolicy() {
        let options = [TFTPOption(name: "timeout", value: "2")]
        var transfer = Self.transfer(length: 5000, timeout: 2, options: options, maxAttempts: 6)
        var script: [(Input, [TFTPAction])] = [
            (.start, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.timeout, [.sendOptionAck(options), .armTimer(seconds: 1)]),
            (.ack(0), Self.window(1...1, timer: 2)),  // the OACK's ACK confirms the client
        ]
        for seconds in [4.0, 8, 16, 16, 16] { script.append((.timeout, Self.window(1...1, timer: seconds))) }
        script.append((.timeout, [.sendError(.notDefined, "timed out after 6 attempts"), .finish(.gaveUp(attempts: 6))]))
        Self.run(&transfer, script)
        #expect(transfer.confirmed)
    }

    @Test("the client refusing the OACK ends the transfer (RFC 2347 §4)")
    func optionAckRefused() {
        var transfer = Self.transfer(length: 10, options: [TFTPOption(name: "blksize", value: "8")], maxAttempts: 3)
        _ = transfer.start()
        Self.run(&transfer, [
            (.packet(.error(code: .optionNegotiation, message: "no")), [.finish(.clientError(.optionNegotiation, "no"))]),
            (.ack(0), []),
        ])
    }

    @Test("duplicate ACKs do nothing: no sorcerer's apprentice (RFC 1123 §4.2.3.1)")
    func duplicateAcks() {
        var transfer = Self.transfer(length: 3000)
        Self.run(&transfer, [
            (.start, Self.window(1...1)),
            (.ack(0), []),  // nothing was offered as block 0
            (.ack(1), Self.window(2...2)),
            (.ack(1), []),
            (.ack(1), []),
            (.timeout, Self.window(2...2, timer: 2)),
            (.ack(2), Self.window(3...3)),  // the first ACK 2 advances, the one for the retransmission is ignored
            (.ack(2), []),
            (.ack(4), []),  // not sent yet
            (.ack(3), Self.window(4...4)),
        ])
    }

    @Test("windows: a gap ACK restarts from the next block, old ACKs do nothing (RFC 7440 §4)")
    func windows() {
        var transfer = Self.transfer(length: 10 * 512 + 100, windowSize: 4)
        #expect(transfer.blockCount == 11)
        Self.run(&transfer, [
            (.start, Self.window(1...4)),
            (.ack(2), Self.window(3...6)),  // the client saw a gap after block 2
            (.ack(1), []),  // older than the window
            (.ack(2), []),  // duplicate
            (.ack(7), []),  // not sent
            (.ack(6), Self.window(7...10)),
            (.ack(8), Self.window(9...11)),  // the last window is shorter
            (.ack(10), Self.window(11...11)),
            (.ack(9), []),
            (.ack(11), [.finish(.completed)]),
        ])
    }

    @Test("reordered ACKs: a late smaller ACK after a bigger one does nothing")
    func reorderedAcks() {
        var transfer = Self.transfer(length: 20 * 512, windowSize: 8)
        Self.run(&transfer, [
            (.start, Self.window(1...8)),
            (.ack(8), Self.window(9...16)),
            (.ack(5), []),
            (.ack(16), Self.window(17...21)),
            (.ack(12), []),
            (.ack(8), []),
            (.ack(20), Self.window(21...21)),
            (.ack(21), [.finish(.completed)]),
        ])
    }

    @Test("a timeout resends the whole outstanding window; back-off 1, 2, 4, 8, 8 then give up", arguments: [
        (1, 5, [1, 2, 4, 8, 8] as [Double]),
        (1, 6, [1, 2, 4, 8, 8, 8]),
        (2, 6, [2, 4, 8, 16, 16, 16]),
        (3, 2, [3, 6]),
        (1, 1, [1]),
    ])
    func backOff(_ timeout: Int, _ maxAttempts: Int, _ timers: [Double]) {
        var transfer = Self.transfer(length: 5000, windowSize: 3, timeout: timeout, maxAttempts: maxAttempts)
        var script: [(Input, [TFTPAction])] = [(.start, Self.window(1...3, timer: 1)), (.ack(1), Self.window(2...4, timer: timers[0]))]
        for seconds in timers.dropFirst() { script.append((.timeout, Self.window(2...4, timer: seconds))) }
        script.append((.timeout, [.sendError(.notDefined, "timed out after \(maxAttempts) attempts"), .finish(.gaveUp(attempts: maxAttempts))]))
        script += [(.timeout, []), (.ack(4), [])]
        Self.run(&transfer, script)
        #expect(transfer.outcome == .gaveUp(attempts: maxAttempts))
    }

    @Test("progress resets the attempt count; a duplicate ACK does not")
    func progressResets() {
        var transfer = Self.transfer(length: 3000, maxAttempts: 3)
        Self.run(&transfer, [
            (.start, Self.window(1...1)),
            (.timeout, Self.window(1...1)),
            (.timeout, Self.window(1...1)),
            (.ack(1), Self.window(2...2)),
            (.timeout, Self.window(2...2, timer: 2)),
            (.ack(1), []),
            (.timeout, Self.window(2...2, timer: 4)),
            (.timeout, [.sendError(.notDefined, "timed out after 3 attempts"), .finish(.gaveUp(attempts: 3))]),
        ])
    }

    @Test("a client ERROR mid-transfer ends it without an answer")
    func clientError() {
        var transfer = Self.transfer(length: 5000, windowSize: 2)
        Self.run(&transfer, [
            (.start, Self.window(1...2)),
            (.ack(2), Self.window(3...4)),
            (.packet(.error(code: .diskFull, message: "disk full")), [.finish(.clientError(.diskFull, "disk full"))]),
            (.ack(4), []),
            (.timeout, []),
            (.packet(.error(code: .notDefined, message: "again")), []),
            (.packet(.data(block: 1, payload: [])), []),
        ])
        #expect(transfer.isFinished)
        #expect(transfer.outcome == .clientError(.diskFull, "disk full"))
    }

    @Test("an unexpected packet gets ERROR 4 and ends the transfer", arguments: [
        (TFTPPacket.data(block: 1, payload: [1]), "DATA"),
        (.readRequest(TFTPRequest(filename: "f", mode: .octet)), "RRQ"),
        (.writeRequest(TFTPRequest(filename: "f", mode: .octet)), "WRQ"),
        (.optionAck([TFTPOption(name: "blksize", value: "8")]), "OACK"),
    ])
    func unexpectedPacket(_ packet: TFTPPacket, _ name: String) {
        var transfer = Self.transfer(length: 5000)
        _ = transfer.start()
        let message = "unexpected \(name) during a read transfer: expected ACK or ERROR"
        Self.run(&transfer, [
            (.packet(packet), [.sendError(.illegalOperation, message), .finish(.clientError(.illegalOperation, message))]),
            (.ack(1), []),
            (.timeout, []),
        ])
    }

    @Test("nothing happens before start")
    func beforeStart() {
        var transfer = Self.transfer(length: 5000)
        Self.run(&transfer, [
            (.ack(0), []),
            (.ack(1), []),
            (.timeout, []),
            (.start, Self.window(1...1)),
        ])
    }

    @Test("block numbers roll over to 0 after 65535; old ACKs after the rollover do nothing")
    func rollover() {
        var transfer = Self.transfer(length: 8 * 70_000, blockSize: 8, windowSize: 4)
        #expect(transfer.blockCount == 70_001)
        _ = transfer.start()
        var acked = 0
        while acked < 65_532 {
            acked += 4
            _ = transfer.receive(.ack(block: UInt16(truncatingIfNeeded: acked)))
        }
        #expect(transfer.lastAcknowledged == 65_532)
        #expect(transfer.lastSent == 65_536)
        Self.run(&transfer, [
            (.ack(65_534), [
                .sendBlock(index: 65_535, wireNumber: 65_535), .sendBlock(index: 65_536, wireNumber: 0),
                .sendBlock(index: 65_537, wireNumber: 1), .sendBlock(index: 65_538, wireNumber: 2), .armTimer(seconds: 1),
            ]),
            (.ack(65_533), []),
            (.ack(65_535), Self.window(65_536...65_539)),
            (.timeout, Self.window(65_536...65_539, timer: 2)),
            (.ack(65_534), []),  // old, before the rollover
            (.ack(65_535), []),  // duplicate
            (.ack(4), []),  // block 4 or 65540: neither is outstanding
            (.ack(0), Self.window(65_537...65_540)),
            (.ack(0), []),
            (.ack(4), Self.window(65_541...65_544)),
        ])
    }

    @Test("a file of exactly 65536 blocks ends with the final ACK for wire number 0")
    func finalBlockZero() {
        var transfer = Self.transfer(length: 8 * 65_535, blockSize: 8)
        #expect(transfer.blockCount == 65_536)
        _ = transfer.start()
        for block in 1...65_534 { _ = transfer.receive(.ack(block: UInt16(block))) }
        Self.run(&transfer, [
            (.ack(65_535), [.sendBlock(index: 65_536, wireNumber: 0), .armTimer(seconds: 1)]),
            (.ack(65_535), []),
            (.ack(0), [.finish(.completed)]),
        ])
    }

    @Test("out-of-range negotiation values are made safe")
    func sanitised() {
        let transfer = TFTPTransfer(negotiation: TFTPNegotiation(blockSize: 0, windowSize: 1_000_000, timeoutSeconds: 0),
                                    length: -4, maxAttempts: 0)
        #expect(transfer.blockSize == 1)
        #expect(transfer.windowSize == 65_535)
        #expect(transfer.maxAttempts == 1)
        #expect(transfer.length == 0)
        #expect(transfer.blockCount == 1)
        #expect(transfer.retransmissionDelay(attempt: 1000) == TFTPTransfer.unconfirmedDelay, "before the first ACK")
        var confirmed = TFTPTransfer(negotiation: TFTPNegotiation(timeoutSeconds: 0), length: 10, maxAttempts: 0)
        _ = confirmed.start()
        _ = confirmed.receive(.ack(block: 1))
        #expect(confirmed.confirmed)
        #expect(confirmed.retransmissionDelay(attempt: 1) == 1)
        #expect(confirmed.retransmissionDelay(attempt: 1000) == 8)
    }
}
