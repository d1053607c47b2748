// libFuzzer target: the DHCP decoder (RFC 2131/2132/3396, PXE, relay agent options), then the
// encoder and the decoded-text form on whatever it accepts. Run with scripts/fuzz dhcp.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDHCP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let packet = try? DHCPPacket.decode(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    _ = packet.encode()
    _ = packet.dump
    return 0
}
