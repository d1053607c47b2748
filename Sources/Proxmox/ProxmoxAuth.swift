import Foundation

/// The headers a request carries (PVE::APIServer::AnyEvent auth): an API token header, or the
/// ticket cookie plus `CSRFPreventionToken` on everything but GET. A ticket lives 2 hours
/// (PVE::AccessControl ticket lifetime); it is renewed `renewalMargin` before that.
public struct ProxmoxAuth: Sendable {
    public struct Ticket: Sendable, Equatable {
        public let ticket: String
        public let csrf: String
        public let issued: Date

        public init(ticket: String, csrf: String, issued: Date) {
            self.ticket = ticket
            self.csrf = csrf
            self.issued = issued
        }
    }

    public static let ticketLifetime: TimeInterval = 7200
    public static let renewalMargin: TimeInterval = 900

    public static func needsLogin(_ ticket: Ticket?, now: Date) -> Bool {
        guard let ticket else { return true }
        return now.timeIntervalSince(ticket.issued) >= ticketLifetime - renewalMargin
    }

    public static func headers(_ credentials: ProxmoxEndpoint.Credentials, ticket: Ticket?, method: String) -> [(String, String)] {
        switch credentials {
        case .token(let id, let secret):
            return [("Authorization", "PVEAPIToken=\(id)=\(secret)")]
        case .password:
            guard let ticket else { return [] }
            var headers = [("Cookie", "PVEAuthCookie=\(ticket.ticket)")]
            if method != "GET" { headers.append(("CSRFPreventionToken", ticket.csrf)) }
            return headers
        }
    }
}
