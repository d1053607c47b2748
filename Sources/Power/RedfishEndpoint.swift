import Foundation
import Proxmox

/// Where a machine's Redfish service is and how provisiond logs in and trusts it.
public struct RedfishEndpoint: Sendable, Equatable {
    /// `https://HOST[:PORT]`, without a path.
    public let base: String
    /// `/redfish/v1/Systems/ID`, or nil to take the service's only system.
    public let systemPath: String?
    public let user: String
    public let password: String
    public let trust: ProxmoxEndpoint.Trust

    /// `url`: `https://BMC` or `https://BMC/redfish/v1/Systems/ID`.
    public init(url text: String, user: String, password: String, trust: ProxmoxEndpoint.Trust) throws(PowerError) {
        guard let url = URL(string: text), url.scheme == "https", let host = url.host, !host.isEmpty,
              url.query == nil, url.user == nil, url.fragment == nil
        else { throw .invalid("bad Redfish URL \"\(text)\": expected https://BMC or https://BMC/redfish/v1/Systems/ID") }
        let path = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
        guard path.isEmpty || (path.hasPrefix("/redfish/v1/Systems/") && path.split(separator: "/").count == 4) else {
            throw .invalid("bad Redfish system path \"\(url.path)\": expected /redfish/v1/Systems/ID")
        }
        guard !user.isEmpty, !user.contains(where: \.isNewline) else { throw .invalid("the Redfish user is empty or has a line break") }
        guard !password.isEmpty, !password.contains(where: \.isNewline) else { throw .invalid("the Redfish password is empty or has a line break") }
        base = "https://" + (host.contains(":") ? "[\(host)]" : host) + (url.port.map { ":\($0)" } ?? "")
        systemPath = path.isEmpty ? nil : path
        self.user = user
        self.password = password
        self.trust = trust
    }

    /// HTTP basic authentication (RFC 7617), which every Redfish service accepts (DSP0266 §13.3.3).
    var authorization: String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}
