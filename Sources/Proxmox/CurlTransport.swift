/// The transport: one `curl -K -` per request with the endpoint's CA file (or the pinned
/// certificate) as the only trust anchor.
public struct CurlTransport: ProxmoxTransport {
    let curl: CurlProcess
    /// nil: the system bundle.
    let caFile: String?
    let timeout: Double

    public init(caFile: String?, timeout: Double = 120) throws(ProxmoxError) {
        curl = try CurlProcess()
        self.caFile = caFile
        self.timeout = timeout
    }

    public func send(_ exchange: HTTPExchange) throws(ProxmoxError) -> HTTPReply {
        let result = try curl.run(["-K", "-"], stdin: CurlConfig.render(exchange, caFile: caFile, timeout: timeout))
        guard result.status == 0 else { throw Self.failure(result.status, result.stderr, url: exchange.url, pinned: caFile != nil) }
        return try CurlConfig.parseIncluded(result.stdout)
    }

    /// curl's exit codes (libcurl-errors(3)): 60 peer certificate not verified, 51 host name not
    /// in the certificate, 35 handshake failed.
    static func failure(_ code: Int32, _ message: String, url: String, pinned: Bool) -> ProxmoxError {
        switch code {
        case 60, 51:
            let hint = pinned
                ? "check that --ca-file is the cluster's CA (/etc/pve/pve-root-ca.pem) and that the URL's host is in the certificate"
                : "set --ca-file FILE (the cluster's /etc/pve/pve-root-ca.pem) or --fingerprint SHA256 (the node's certificate fingerprint)"
            return .untrusted("the TLS certificate of \(url) is not trusted (\(message)): \(hint)")
        default:
            return .transport("curl exit \(code) for \(url): \(message)")
        }
    }
}
