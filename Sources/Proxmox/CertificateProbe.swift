import Foundation

/// Pinning by fingerprint: fetch the certificate the server presents (no credentials are sent on
/// this unverified connection), compare its SHA-256 with the pinned one, and on a match write it
/// as the PEM trust anchor of every later request. OpenSSL accepts a non-CA leaf as anchor
/// because curl turns on X509_V_FLAG_PARTIAL_CHAIN (curl ≥ 7.68).
public enum CertificateProbe {
    public static func pin(_ pinned: CertificateFingerprint, url: String, into file: String) throws(ProxmoxError) {
        let curl = try CurlProcess()
        // %{certs}: the chain as PEM with details (curl ≥ 7.88 with OpenSSL).
        let result = try curl.run(["-K", "-"], stdin: [
            "url = \(CurlConfig.quoted(url + "/"))", "insecure", "silent", "show-error", "proto = \"=https\"",
            "connect-timeout = 15", "max-time = 30", "output = \"/dev/null\"", "write-out = \"%{certs}\"",
        ].joined(separator: "\n") + "\n")
        guard result.status == 0 else { throw CurlTransport.failure(result.status, result.stderr, url: url, pinned: true) }
        let leaf = try leafCertificate(String(decoding: result.stdout, as: UTF8.self), url: url)
        let presented = CertificateFingerprint(certificate: leaf)
        guard presented == pinned else { throw .fingerprintMismatch(pinned: pinned.description, presented: presented.description) }
        let written = FileManager.default.createFile(atPath: file, contents: Data(PEMCertificates.encode(leaf).utf8),
                                                     attributes: [.posixPermissions: 0o600])
        guard written else { throw .transport("cannot write the pinned certificate to \(file)") }
    }

    static func leafCertificate(_ certsOutput: String, url: String) throws(ProxmoxError) -> [UInt8] {
        guard let leaf = try PEMCertificates.decode(certsOutput).first else {
            throw .transport("\(url) presented no certificate (curl's %{certs} needs curl 7.88 or later built with OpenSSL)")
        }
        return leaf
    }
}
