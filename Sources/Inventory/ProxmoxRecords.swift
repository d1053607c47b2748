/// A stored Proxmox endpoint. `secret` stays inside provisiond: never logged nor answered.
public struct ProxmoxEndpointRecord: Equatable, Sendable {
    public enum Auth: String, Sendable { case token, password }

    public var name: String
    public var url: String
    public var auth: Auth
    /// The token id (`USER@REALM!ID`) or the user (`USER@REALM`).
    public var principal: String
    public var secret: String
    public var caPEM: String?
    public var fingerprint: String?
    public var createdAt: String

    public init(name: String, url: String, auth: Auth, principal: String, secret: String, caPEM: String?, fingerprint: String?,
                createdAt: String = "") {
        self.name = name
        self.url = url
        self.auth = auth
        self.principal = principal
        self.secret = secret
        self.caPEM = caPEM
        self.fingerprint = fingerprint
        self.createdAt = createdAt
    }
}

/// A VM provisiond made on an endpoint, and the machine it is.
public struct ProxmoxVMRecord: Equatable, Sendable {
    public var name: String
    public var endpoint: String
    public var node: String
    public var vmid: Int
    public var mac: String
    public var template: String
    public var createdAt: String

    public init(name: String, endpoint: String, node: String, vmid: Int, mac: String, template: String, createdAt: String = "") {
        self.name = name
        self.endpoint = endpoint
        self.node = node
        self.vmid = vmid
        self.mac = mac
        self.template = template
        self.createdAt = createdAt
    }
}
