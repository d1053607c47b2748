import Foundation

/// `-----BEGIN CERTIFICATE-----` blocks of a PEM text (RFC 7468).
public enum PEMCertificates {
    static let begin = "-----BEGIN CERTIFICATE-----"
    static let end = "-----END CERTIFICATE-----"

    /// The DER bytes of every certificate in `text`, in order.
    public static func decode(_ text: String) throws(ProxmoxError) -> [[UInt8]] {
        var certificates: [[UInt8]] = []
        var rest = Substring(text)
        while let start = rest.range(of: begin) {
            guard let stop = rest.range(of: end, range: start.upperBound..<rest.endIndex) else {
                throw .invalid("PEM certificate without its END line")
            }
            let base64 = rest[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: String(base64)), !data.isEmpty else {
                throw .invalid("PEM certificate whose body is not base64")
            }
            certificates.append([UInt8](data))
            rest = rest[stop.upperBound...]
        }
        return certificates
    }

    public static func encode(_ der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return begin + "\n" + base64 + "\n" + end + "\n"
    }
}
