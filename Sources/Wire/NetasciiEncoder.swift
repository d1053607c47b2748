/// Converts a local (Unix) text file to netascii for a TFTP `netascii` read (RFC 1350 §1 and
/// appendix, RFC 764 "Telnet Protocol Specification" NVT ASCII): LF becomes CR LF and a bare CR
/// becomes CR NUL. Other bytes pass unchanged. A CR LF already in the file becomes CR NUL CR LF,
/// as tftp-hpa sends it, so the client's reverse conversion restores the exact bytes.
///
/// Each input byte converts on its own, so chunks may be split anywhere (a CR ending one chunk
/// and an LF starting the next convert exactly as if unsplit).
public struct NetasciiEncoder: Sendable {
    /// Input bytes seen so far.
    public private(set) var consumedCount = 0
    /// Output bytes produced so far.
    public private(set) var producedCount = 0

    public init() {}

    /// The netascii form of the next chunk of the file.
    public mutating func encode(_ chunk: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(chunk.count + chunk.count / 16 + 2)
        for byte in chunk {
            switch byte {
            case Self.lf: output.append(Self.cr); output.append(Self.lf)
            case Self.cr: output.append(Self.cr); output.append(0)
            default: output.append(byte)
            }
        }
        consumedCount += chunk.count
        producedCount += output.count
        return output
    }

    /// The size of the netascii form of `bytes`: the transfer length and tsize of a netascii read.
    public static func encodedLength(of bytes: some Sequence<UInt8>) -> Int {
        var length = 0
        for byte in bytes { length += byte == lf || byte == cr ? 2 : 1 }
        return length
    }

    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
}
