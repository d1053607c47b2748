import Foundation

/// One PVE cluster (or single node) provisiond talks to: where, as whom, and how its certificate
/// is trusted.
public struct ProxmoxEndpoint: Sendable, Equatable {
    public enum Credentials: Sendable, Equatable {
        /// An API token: `USER@REALM!TOKENID` and its secret (header `PVEAPIToken=ID=SECRET`).
        case token(id: String, secret: String)
        /// A user login: `POST /access/ticket`, then the ticket cookie and the CSRF token.
        case password(user: String, password: String)
    }

    public enum Trust: Sendable, Equatable {
        /// Verify against this PEM file (the cluster's `/etc/pve/pve-root-ca.pem`).
        case caFile(String)
        /// Accept exactly the certificate with this SHA-256 fingerprint; its PEM is written to
        /// `pinnedFile` and used as the only trust anchor.
        case fingerprint(CertificateFingerprint, pinnedFile: String)
        /// The system's CA bundle: a self-signed PVE is refused.
        case system
    }

    public let name: String
    /// `https://HOST:8006`, without a path.
    public let url: URL
    public let credentials: Credentials
    public let trust: Trust

    public init(name: String, url text: String, credentials: Credentials, trust: Trust) throws(ProxmoxError) {
        guard let url = URL(string: text.hasSuffix("/") ? String(text.dropLast()) : text), url.scheme == "https",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil, url.user == nil
        else { throw .invalid("bad Proxmox URL \"\(text)\": expected https://HOST:8006") }
        switch credentials {
        case .token(let id, let secret):
            guard Self.isTokenID(id) else { throw .invalid("bad token id \"\(id)\": expected USER@REALM!TOKENID") }
            guard !secret.isEmpty, !secret.contains(where: \.isNewline) else { throw .invalid("the token secret is empty or has a line break") }
        case .password(let user, let password):
            guard Self.isUserID(user) else { throw .invalid("bad user \"\(user)\": expected USER@REALM (e.g. root@pam)") }
            guard !password.isEmpty else { throw .invalid("the password is empty") }
        }
        self.name = name
        self.url = url
        self.credentials = credentials
        self.trust = trust
    }

    /// PVE's API root: `https://HOST:8006/api2/json`.
    public var apiBase: String { url.absoluteString + "/api2/json" }

    /// PVE's userid format (pve-userid: NAME@REALM, no spaces, colons or commas).
    static func isUserID(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !text.contains(where: { $0.isWhitespace || $0 == ":" || $0 == "," || $0 == "!" || $0 == "=" })
    }

    /// pve-tokenid: USERID!TOKENID, the token part `[A-Za-z][A-Za-z0-9._-]*`.
    static func isTokenID(_ text: String) -> Bool {
        let parts = text.split(separator: "!", omittingEmptySubsequences: false)
        guard parts.count == 2, isUserID(String(parts[0])), let first = parts[1].first, first.isLetter else { return false }
        return parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
