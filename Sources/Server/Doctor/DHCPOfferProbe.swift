import Doctor
import Foundation
import Net
import Synchronization
import Wire

/// Finds the other DHCP servers on a segment: broadcasts one PXE-shaped DHCPDISCOVER (so
/// proxyDHCP and PXE-enabled servers answer too) from port 68 out of the interface and collects
/// every OFFER for it during the wait. Runs inside provisiond, which holds the interface and the
/// privilege to bind port 68; its own DHCP service ignores the probe's MAC.
enum DHCPOfferProbe {
    /// The MACs of probes in flight: `DHCPService` neither answers nor records them.
    private static let probing = Mutex<Set<MACAddress>>([])

    static func isProbe(_ mac: MACAddress) -> Bool { probing.withLock { $0.contains(mac) } }

    static func run(interface: String?, wait: Double) -> Result<[ForeignOffer], NetError> {
        // A locally administered unicast MAC (IEEE 802: bit 1 of the first octet set, bit 0 clear).
        var bytes = (0..<6).map { _ in UInt8.random(in: 0...255) }
        bytes[0] = (bytes[0] | 0x02) & 0xFE
        guard let mac = try? MACAddress(octets: bytes) else {
            return .success([])
        }
        let socket: UDPSocket
        do {
            socket = try UDPSocket(bind: SocketAddress(host: .v4(0), port: 68), shared: true, broadcast: true, device: interface)
        } catch {
            return .failure(error)
        }
        probing.withLock { _ = $0.insert(mac) }
        defer { probing.withLock { _ = $0.remove(mac) } }
        let xid = UInt32.random(in: 1...UInt32.max)
        guard socket.send(discover(mac: bytes, xid: xid).encode(), to: SocketAddress(host: .v4(UInt32.max), port: 67)) else {
            return .failure(NetError("send a DHCPDISCOVER on", address: interface ?? "the default interface"))
        }
        var offers: [ForeignOffer] = []
        let deadline = Date().addingTimeInterval(wait)
        // The wait is the protocol's answer window (RFC 2131 §4.4.1: a client collects offers for
        // a while), not a pause for something this process does.
        while case let remaining = deadline.timeIntervalSinceNow, remaining > 0 {
            guard socket.waitReadable(milliseconds: Int32(max(1, remaining * 1000))), let datagram = socket.receive() else { continue }
            guard let packet = try? DHCPPacket.decode(datagram.bytes), packet.xid == xid, case .v4(let raw) = datagram.source.host,
                  let offer = ForeignOffer(packet, source: IPv4Address(rawValue: UInt32(bigEndian: raw)))
            else { continue }
            if !offers.contains(offer) { offers.append(offer) }
        }
        return .success(offers)
    }

    /// What a BIOS PXE ROM sends (RFC 4578: options 93, 94, 97; PXE spec: vendor class
    /// `PXEClient`), with the broadcast flag so answers reach a client that has no address yet.
    static func discover(mac: [UInt8], xid: UInt32) -> DHCPPacket {
        var options = DHCPOptions()
        options[DHCPOptionCode.messageType] = [DHCPMessageType.discover.rawValue]
        options[DHCPOptionCode.parameterRequestList] = [1, 3, 6, 43, 54, 60, 66, 67]
        options[DHCPOptionCode.vendorClass] = Array("PXEClient:Arch:00000:UNDI:002001".utf8)
        options[DHCPOptionCode.clientArchitecture] = [0, 0]
        options[DHCPOptionCode.clientNDI] = [1, 2, 1]
        options[DHCPOptionCode.clientUUID] = [0] + (0..<16).map { _ in UInt8.random(in: 0...255) }
        return DHCPPacket(op: DHCPPacket.bootRequest, xid: xid, flags: DHCPPacket.broadcastFlag, chaddr: mac, options: options)
    }
}
