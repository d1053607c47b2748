import Foundation
import Wire

/// Golden DHCP packets captured from real clients (Tests/WireTests/Fixtures/dhcp) and a probe
/// that sends them inside a test namespace.
enum DHCPFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("WireTests/Fixtures/dhcp")

    static func bytes(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent(name + ".hex"), encoding: .utf8)
        return try bytesFromHex(text.filter(\.isHexDigit))
    }

    static func packet(_ name: String) throws -> DHCPPacket { try DHCPPacket.decode(try bytes(name)) }
}

extension NetworkLab {
    /// Sends `packets` from BIND:PORT in the client namespace to DEST:PORT and returns the replies
    /// with where they came from, once the last packet has its reply (or after `timeout`, which
    /// only bounds a server that never answers).
    func probe(_ packets: [[UInt8]], bind: String = "0.0.0.0", bindPort: UInt16 = 68, to destination: String = "255.255.255.255",
               port: UInt16 = 67, timeout: Double = 30) throws -> [(packet: DHCPPacket, source: String)] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("dhcp_probe.py").path
        let result = try inClient("python3", [script, clientInterface, bind, String(bindPort), destination, String(port), String(timeout)]
                                              + packets.map(\.hexString))
        return try result.stdout.split(separator: "\n").map { line in
            let parts = line.split(separator: " ")
            return (try DHCPPacket.decode(try DHCPFixtures.bytesFromHex(String(parts[0]))), String(parts[1]))
        }
    }
}

extension DHCPFixtures {
    static func bytesFromHex(_ hex: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { throw TestFailure("bad hex from the probe") }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
