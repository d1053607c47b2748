import Foundation
import Proxmox

/// The files curl trusts a peer with (a Proxmox endpoint, a Redfish BMC), kept in a private
/// folder of the data directory (0700, each file 0600): the CA PEM as given, or the pinned
/// certificate the fingerprint probe fetched.
struct TrustFiles: Sendable {
    let directory: String

    /// `name` keeps each peer's files apart (an endpoint's name, a machine's MAC).
    func trust(name: String, caPEM: String?, fingerprint: String?) throws(ProxmoxError) -> ProxmoxEndpoint.Trust {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .invalid("cannot create \(directory): \(error.localizedDescription)")
        }
        if let pem = caPEM {
            let path = "\(directory)/\(name).ca.pem"
            guard FileManager.default.createFile(atPath: path, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw .invalid("cannot write \(path)")
            }
            return .caFile(path)
        }
        if let fingerprint {
            return .fingerprint(try CertificateFingerprint(fingerprint), pinnedFile: "\(directory)/\(name).pinned.pem")
        }
        return .system
    }
}
