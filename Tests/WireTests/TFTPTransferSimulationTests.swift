import Testing
import Wire

/// A read client in the style of tftp-hpa / curl with RFC 7440 windows: it takes blocks in
/// order, ACKs every `windowSize`-th block and the short last one, and on an out-of-order block
/// ACKs the last block it has in order.
struct TFTPSimulatedClient {
    let blockSize: Int
    let windowSize: Int
    /// Next absolute block wanted.
    var expected = 1
    /// Blocks taken since the last ACK.
    var sinceAck = 0
    /// Byte ranges received, in order; they must be contiguous.
    var received: [Range<Int>] = []
    var done = false
    var outOfOrder = 0

    init(blockSize: Int, windowSize: Int) {
        self.blockSize = blockSize
        self.windowSize = windowSize
    }

    /// The ACK to send for an OACK.
    mutating func optionAck() -> UInt16? { expected == 1 ? 0 : nil }

    /// Takes DATA `wireNumber` with the payload at `range`; returns the ACK to send, if any.
    mutating func data(wireNumber: UInt16, range: Range<Int>) -> UInt16? {
        guard !done else { return UInt16(truncatingIfNeeded: expected - 1) }
        guard wireNumber == UInt16(truncatingIfNeeded: expected) else {
            outOfOrder += 1
            sinceAck = 0
            return UInt16(truncatingIfNeeded: expected - 1)
        }
        received.append(range)
        expected += 1
        sinceAck += 1
        if range.count < blockSize {
            done = true
            return UInt16(truncatingIfNeeded: expected - 1)
        }
        guard sinceAck == windowSize else { return nil }
        sinceAck = 0
        return UInt16(truncatingIfNeeded: expected - 1)
    }

    var contiguousLength: Int? {
        var end = 0
        for range in received {
            guard range.lowerBound == end else { return nil }
            end = range.upperBound
        }
        return end
    }
}

/// Runs one transfer between `TFTPTransfer` and a simulated client over an in-memory network
/// that drops every `dropData`-th DATA and every `dropAcks`-th ACK (0: none). In-flight packets
/// reach the client before the server reads the ACKs; the timer fires only when nothing is in
/// flight.
struct TFTPSimulation {
    var transfer: TFTPTransfer
    var client: TFTPSimulatedClient
    var dropData = 0
    var dropAcks = 0

    var sentIndices: [Int] = []
    var sentWireNumbers: [UInt16] = []
    var timers: [Double] = []
    var timeouts = 0
    var dataTransmissions = 0
    var ackTransmissions = 0
    var ignoredAcks = 0
    var advancingAcks = 0
    var outcome: TFTPOutcome?

    init(_ transfer: TFTPTransfer, dropData: Int = 0, dropAcks: Int = 0) {
        self.transfer = transfer
        self.client = TFTPSimulatedClient(blockSize: transfer.blockSize, windowSize: transfer.windowSize)
        self.dropData = dropData
        self.dropAcks = dropAcks
    }

    private enum ToClient { case oack, data(UInt16, Range<Int>) }

    mutating func run(stepLimit: Int = 10_000_000) {
        var toClient: [ToClient] = []
        var toServer: [UInt16] = []
        var clientIndex = 0
        var serverIndex = 0

        func perform(_ actions: [TFTPAction], into toClient: inout [ToClient], _ sim: inout TFTPSimulation) {
            for action in actions {
                switch action {
                case .sendOptionAck:
                    toClient.append(.oack)
                case .sendBlock(let index, let wire):
                    sim.sentIndices.append(index)
                    sim.sentWireNumbers.append(wire)
                    sim.dataTransmissions += 1
                    if sim.dropData == 0 || sim.dataTransmissions % sim.dropData != 0 {
                        toClient.append(.data(wire, sim.transfer.payloadRange(ofBlock: index)))
                    }
                case .armTimer(let seconds):
                    sim.timers.append(seconds)
                case .sendError:
                    break
                case .finish(let outcome):
                    sim.outcome = outcome
                }
            }
        }

        perform(transfer.start(), into: &toClient, &self)
        var steps = 0
        while outcome == nil, steps < stepLimit {
            steps += 1
            if clientIndex < toClient.count {
                let ack: UInt16? = switch toClient[clientIndex] {
                case .oack: client.optionAck()
                case .data(let wire, let range): client.data(wireNumber: wire, range: range)
                }
                clientIndex += 1
                if let ack {
                    ackTransmissions += 1
                    if dropAcks == 0 || ackTransmissions % dropAcks != 0 { toServer.append(ack) }
                }
            } else if serverIndex < toServer.count {
                let actions = transfer.receive(.ack(block: toServer[serverIndex]))
                serverIndex += 1
                if actions.isEmpty { ignoredAcks += 1 } else { advancingAcks += 1 }
                perform(actions, into: &toClient, &self)
            } else {
                timeouts += 1
                perform(transfer.timeout(), into: &toClient, &self)
            }
            if clientIndex > 4096, clientIndex == toClient.count {
                toClient.removeAll(keepingCapacity: true)
                clientIndex = 0
            }
            if serverIndex > 4096, serverIndex == toServer.count {
                toServer.removeAll(keepingCapacity: true)
                serverIndex = 0
            }
        }
    }
}

@Suite("TFTPTransfer: simulated clients")
struct TFTPTransferSimulationTests {
    static func negotiation(blockSize: Int, windowSize: Int, options: Bool) -> TFTPNegotiation {
        TFTPNegotiation(blockSize: blockSize, windowSize: windowSize, timeoutSeconds: 1,
                        acknowledged: options ? [TFTPOption(name: "windowsize", value: String(windowSize))] : [])
    }

    @Test("65535 × 512 bytes, lossless: 65536 blocks, the wire number rolls over 65535 → 0", arguments: [1, 16])
    func lossless32MiB(_ windowSize: Int) {
        let length = 65_535 * 512
        var simulation = TFTPSimulation(TFTPTransfer(
            negotiation: Self.negotiation(blockSize: 512, windowSize: windowSize, options: windowSize > 1), length: length))
        simulation.run()
        #expect(simulation.outcome == .completed)
        #expect(simulation.transfer.blockCount == 65_536)
        #expect(simulation.sentIndices.count == 65_536)
        #expect(simulation.sentIndices == Array(1...65_536))
        #expect(simulation.sentWireNumbers[65_533...] == [65_534, 65_535, 0])
        #expect(simulation.sentWireNumbers == simulation.sentIndices.map { UInt16(truncatingIfNeeded: $0) })
        #expect(simulation.sentWireNumbers.filter { $0 == 0 }.count == 1)
        #expect(simulation.transfer.payloadRange(ofBlock: 65_536).isEmpty)
        #expect(simulation.timeouts == 0)
        #expect(simulation.ignoredAcks == 0)
        #expect(simulation.client.contiguousLength == length)
        #expect(simulation.client.done)
        #expect(simulation.timers.allSatisfy { $0 == 1 })
    }

    @Test("a lossy network (every 7th DATA dropped) still delivers every byte in order", arguments: [
        (100_000, 512, 1), (100_000, 512, 4), (100_000, 512, 16), (100_000, 1428, 8), (512, 512, 1), (0, 512, 16),
        (8 * 70_000, 8, 1), (8 * 70_000, 8, 16), (8 * 65_535, 8, 64),
    ])
    func lossyData(_ length: Int, _ blockSize: Int, _ windowSize: Int) {
        var simulation = TFTPSimulation(TFTPTransfer(
            negotiation: Self.negotiation(blockSize: blockSize, windowSize: windowSize, options: true), length: length), dropData: 7)
        simulation.run()
        #expect(simulation.outcome == .completed)
        #expect(simulation.client.contiguousLength == length)
        #expect(simulation.client.done)
        let blocks = simulation.transfer.blockCount
        #expect(Set(simulation.sentIndices) == Set(1...blocks))
        if blocks >= 7 { #expect(simulation.dataTransmissions > blocks) }
        // Only the start, an advancing ACK or a timeout sends, at most one window each:
        // the duplicate ACKs a lossy window provokes send nothing.
        let sendEvents = 1 + simulation.advancingAcks + simulation.timeouts
        #expect(simulation.dataTransmissions <= sendEvents * windowSize)
        if windowSize > 1, blocks > 7 { #expect(simulation.ignoredAcks > 0) }
    }

    @Test("a lossy return path (every 5th ACK dropped) completes too", arguments: [1, 4, 16])
    func lossyAcks(_ windowSize: Int) {
        let length = 300 * 512 + 17
        var simulation = TFTPSimulation(TFTPTransfer(
            negotiation: Self.negotiation(blockSize: 512, windowSize: windowSize, options: true), length: length), dropAcks: 5)
        simulation.run()
        #expect(simulation.outcome == .completed)
        #expect(simulation.client.contiguousLength == length)
        #expect(simulation.timeouts > 0)
    }

    @Test("a client that never answers: the first window goes out 3 times, 1 s apart, then the server gives up")
    func vanishingClient() {
        var simulation = TFTPSimulation(TFTPTransfer(
            negotiation: Self.negotiation(blockSize: 512, windowSize: 4, options: false), length: 10_000), dropData: 1)
        simulation.run()
        #expect(simulation.outcome == .gaveUp(attempts: 3))
        #expect(simulation.timers == [1, 1, 1])
        #expect(simulation.sentIndices == Array(repeating: Array(1...4), count: 3).flatMap { $0 })
    }

    @Test("a timer firing early makes the client see every block twice; the duplicate ACKs send nothing")
    func sorcerersApprentice() {
        var transfer = TFTPTransfer(negotiation: TFTPNegotiation(), length: 10 * 512)
        var sent = transfer.start()
        var total = 0
        for block in 1...10 {
            let retransmission = transfer.timeout()  // every block goes out twice
            // Block 1 is still unconfirmed (1 s); later ones back off from the 1 s timeout.
            #expect(retransmission == [.sendBlock(index: block, wireNumber: UInt16(block)), .armTimer(seconds: block == 1 ? 1 : 2)])
            // Both copies arrive and the client ACKs both.
            sent = transfer.receive(.ack(block: UInt16(block)))
            total += sent.filter { if case .sendBlock = $0 { true } else { false } }.count
            #expect(transfer.receive(.ack(block: UInt16(block))) == [])
        }
        #expect(total == 10)  // blocks 2...11, each once
        #expect(transfer.receive(.ack(block: 11)) == [.finish(.completed)])
    }
}
