import Foundation

/// Packets this host's kernel dropped, for tests that count datagrams on loopback. Loopback is
/// not lossless: every packet passes a CPU's input backlog (`net.core.netdev_max_backlog`), and
/// a flood from a test running at the same time (DHCPClientTests' malformed flood sends as fast
/// as it can) fills it, so a few of another test's datagrams are dropped there; a socket whose
/// receive buffer is full drops too. A test that expects every datagram may accept a shortfall
/// these counters account for, and no more.
struct KernelPacketDrops {
    /// Drops for a full input backlog, all CPUs: the second column of /proc/net/softnet_stat.
    var inputBacklog: Int
    /// Drops of the UDP sockets the filter chose: the last column of /proc/net/udp.
    var sockets: Int
    var total: Int { inputBacklog + sockets }

    /// Counts now; `socket` chooses sockets by local address (dotted) and port.
    static func now(sockets socket: (String, UInt16) -> Bool) -> KernelPacketDrops {
        KernelPacketDrops(inputBacklog: inputBacklogTotal(), sockets: socketDrops(socket))
    }

    /// What was dropped since `earlier`.
    func since(_ earlier: KernelPacketDrops) -> KernelPacketDrops {
        KernelPacketDrops(inputBacklog: inputBacklog - earlier.inputBacklog, sockets: sockets - earlier.sockets)
    }

    /// Drops for a full input backlog since boot, all CPUs.
    static func inputBacklogTotal() -> Int {
        let text = (try? String(contentsOfFile: "/proc/net/softnet_stat", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").reduce(0) { sum, line in
            let columns = line.split(separator: " ")
            return sum + (columns.count > 1 ? Int(columns[1], radix: 16) ?? 0 : 0)
        }
    }

    /// /proc/net/udp prints the local address as the in-memory u32 in hex (little-endian here:
    /// 127.0.0.1 is 0100007F) and the port in host order; drops is the last column.
    private static func socketDrops(_ match: (String, UInt16) -> Bool) -> Int {
        let text = (try? String(contentsOfFile: "/proc/net/udp", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").dropFirst().reduce(0) { sum, line in
            let columns = line.split(separator: " ")
            let local = columns.count > 1 ? columns[1].split(separator: ":") : []
            guard local.count == 2, let raw = UInt32(local[0], radix: 16), let port = UInt16(local[1], radix: 16),
                  let drops = columns.last.flatMap({ Int($0) }) else { return sum }
            let address = (0..<4).map { String(raw >> (8 * $0) & 0xFF) }.joined(separator: ".")
            return match(address, port) ? sum + drops : sum
        }
    }
}
