import Foundation

/// A SHA-256 certificate fingerprint, written the way PVE's GUI shows it (`AB:CD:...`, 32 bytes);
/// plain hex and lowercase are accepted too.
public struct CertificateFingerprint: Equatable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ text: String) throws(ProxmoxError) {
        let hex = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "sha256/", with: "", options: .caseInsensitive)
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex),
              let byte = UInt8(hex[index..<next], radix: 16) {
            bytes.append(byte)
            index = next
        }
        guard index == hex.endIndex, bytes.count == 32 else {
            throw .invalid("bad fingerprint \"\(text)\": expected the SHA-256 of the certificate as 32 hex bytes (AB:CD:... as PVE shows it)")
        }
        self.bytes = bytes
    }

    /// The fingerprint of a DER certificate.
    public init(certificate der: [UInt8]) { bytes = SHA256.hash(der) }

    public var description: String { bytes.map { String(format: "%02X", $0) }.joined(separator: ":") }
}
