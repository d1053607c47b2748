/// Every failure of the Proxmox client, with what an operator needs to act on it.
public enum ProxmoxError: Error, Equatable, CustomStringConvertible, Sendable {
    /// PVE answered with an error: HTTP status, its `message` (or the reason phrase when the body
    /// has none) and the per-field `errors` of a parameter check.
    case api(status: Int, message: String, fieldErrors: [String: String])
    /// A UPID task stopped with an exit status other than `OK` / `WARNINGS: n`.
    case taskFailed(upid: String, exitStatus: String, logTail: [String])
    /// A task still running when its timeout ran out.
    case taskTimeout(upid: String, seconds: Double)
    /// The server's certificate is not trusted by the configured CA file or pinned fingerprint.
    case untrusted(String)
    /// The pinned fingerprint is not the server's.
    case fingerprintMismatch(pinned: String, presented: String)
    /// No answer at all: connection refused, DNS, timeout, TLS handshake.
    case transport(String)
    /// An answer that is not PVE's JSON envelope.
    case malformed(String)
    /// A value refused before anything was sent.
    case invalid(String)

    public var description: String {
        switch self {
        case .api(let status, let message, let fieldErrors):
            let fields = fieldErrors.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            return "Proxmox API error \(status): \(message)" + (fields.isEmpty ? "" : " (" + fields.joined(separator: "; ") + ")")
        case .taskFailed(let upid, let exitStatus, let logTail):
            return "Proxmox task \(upid) failed: \(exitStatus)" + (logTail.isEmpty ? "" : " (log: " + logTail.joined(separator: " | ") + ")")
        case .taskTimeout(let upid, let seconds): return "Proxmox task \(upid) still running after \(Int(seconds)) s"
        case .untrusted(let message): return message
        case .fingerprintMismatch(let pinned, let presented):
            return "the server's certificate fingerprint \(presented) is not the pinned \(pinned): refusing to connect"
        case .transport(let message): return "cannot reach Proxmox: \(message)"
        case .malformed(let message): return "unexpected answer from Proxmox: \(message)"
        case .invalid(let message): return message
        }
    }

    /// PVE's answer for a missing guest or an id that is already gone (`vm delete` tolerates it).
    public var isNotFound: Bool {
        guard case .api(_, let message, _) = self else { return false }
        return message.contains("does not exist")
    }
}
