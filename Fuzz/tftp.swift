// libFuzzer target: the TFTP packet decoder and, for a read request, option negotiation
// (RFC 1350, 2347–2349, 7440). Run with scripts/fuzz tftp.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTFTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let packet = try? TFTPPacket.decode(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    _ = packet.encode()
    if case .readRequest(let request) = packet {
        _ = try? TFTPNegotiation.negotiate(request.options, fileSize: 1 << 20, limits: TFTPServerLimits())
    }
    return 0
}
