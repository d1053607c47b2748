import Foundation
import Testing
import Wire

/// Deterministic fuzzing of the decoder: random datagrams and mutations of real and built
/// packets. Whatever the input, `decode` returns or throws; a decoded packet's accessors, dump
/// and re-encoding work, and re-encoding keeps its options.
@Suite("DHCPPacket: fuzzing")
struct DHCPFuzzTests {
    /// Seeds for mutation: the captured fixtures plus built packets with sub-options and overload.
    static func seeds() -> [[UInt8]] {
        var seeds = DHCPFixtureTests.fixtures.compactMap { try? DHCPFixtureTests.packetBytes($0.name) }
        seeds.append(DHCPPacketTests.relayedAck.encode())
        seeds.append(DHCPPacketTests.proxyOffer.encode())
        var overloaded = DHCPPacketTests.discover.encode()
        overloaded.replaceSubrange(240..<243, with: [52, 1, 3])  // message type becomes overload 3
        overloaded.replaceSubrange(108..<114, with: [53, 1, 1, 60, 1, 0x41])
        seeds.append(overloaded)
        return seeds
    }

    /// Case `index`: even cases are random bytes behind a plausible header, odd ones a seed with
    /// a few byte flips, a truncation, an inserted option or a stretched length.
    static func input(_ index: Int, seeds: [[UInt8]]) -> [UInt8] {
        var rng = Xorshift64(seed: 0xD4C9_0000 &+ UInt64(index) &* 0x9E37_79B9)
        if index.isMultiple(of: 2) {
            let length = Int.random(in: 0...700, using: &rng)
            var bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            if length >= 240, Int.random(in: 0..<4, using: &rng) > 0 {
                bytes[0] = UInt8.random(in: 1...2, using: &rng)
                bytes.replaceSubrange(236..<240, with: [99, 130, 83, 99])
            }
            return bytes
        }
        var bytes = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0:  // flip a byte in the options area (where most of the structure is)
                let at = Int.random(in: min(240, bytes.count - 1)..<bytes.count, using: &rng)
                bytes[at] = UInt8.random(in: .min ... .max, using: &rng)
            case 1:  // flip any byte
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1 ... .max, using: &rng)
            case 2:  // truncate
                bytes.removeLast(Int.random(in: 0...min(bytes.count - 1, 200), using: &rng))
            case 3:  // insert a random option
                let at = Int.random(in: min(240, bytes.count)...bytes.count, using: &rng)
                let code = [52, 43, 77, 82, 175, 53, 93, 97, 255, 0].randomElement(using: &rng)!
                let value = (0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
                bytes.insert(contentsOf: [UInt8(code), UInt8(Int.random(in: 0...14, using: &rng))] + value, at: at)
            default:  // overload value in range, to reach file/sname parsing
                bytes += [52, 1, UInt8.random(in: 0...4, using: &rng), 255]
                if bytes.count > 244 { bytes.replaceSubrange(240..<244, with: bytes.suffix(4)) }
            }
            if bytes.isEmpty { break }
        }
        return bytes
    }

    /// Decodes `bytes` and exercises everything a decoded packet offers. Returns the outcome
    /// ("decoded" or the error reason's case name) and whether every property held.
    static func check(_ bytes: [UInt8]) -> (outcome: String, held: Bool) {
        let packet: DHCPPacket
        do {
            packet = try DHCPPacket.decode(bytes)
        } catch {
            let held = !error.description.isEmpty
            return (String(describing: error.reason).prefix { $0 != "(" }.description, held)
        }
        let options = packet.options
        _ = (options.messageType, options.requestedAddress, options.serverIdentifier, options.leaseSeconds,
             options.subnetMask, options.routers, options.dnsServers, options.hostname, options.domainName,
             options.parameterRequestList, options.maxMessageSize, options.vendorClass, options.clientIdentifier,
             options.userClass, options.clientArchitectures, options.clientNDI, options.clientUUID, options.clientMachineUUID,
             options.vendorSpecific, options.vendorSubOptions?.count, options.pxeDiscoveryControl,
             options.relayAgentInformation?.count, options.ipxeEncapsulated?.count, options.overload, packet.clientMAC)
        guard !packet.dump.isEmpty, !packet.description.isEmpty else { return ("decoded", false) }
        let encoded = packet.encode()
        guard let again = try? DHCPPacket.decode(encoded) else { return ("decoded", false) }
        var expected = options
        expected.overload = nil
        let held = again.options == expected && again.xid == packet.xid && again.chaddr == packet.chaddr
            && encoded.count >= DHCPPacket.minimumEncodedLength
        return ("decoded", held)
    }

    /// Runs in a child process, so a trap fails this test instead of ending the whole run. To
    /// find a failing case, run `check(input(n, seeds: seeds()))` for n in 0..<5000.
    @Test("5,000 random and mutated datagrams never crash the decoder")
    func fuzz() async {
        await #expect(processExitsWith: .success) {
            let seeds = DHCPFuzzTests.seeds()
            if seeds.count < 12 { exit(5) }
            var outcomes: Set<String> = []
            for index in 0..<5_000 {
                let (outcome, held) = DHCPFuzzTests.check(DHCPFuzzTests.input(index, seeds: seeds))
                if !held { exit(3) }
                outcomes.insert(outcome)
            }
            // The generator must reach success and every way of failing, or the run proves little.
            let wanted: Set = ["decoded", "tooShort", "badOp", "badMagicCookie", "missingLength", "optionOverrun",
                               "badOverloadLength", "badOverloadValue"]
            if !outcomes.isSuperset(of: wanted) { exit(4) }
        }
    }
}
