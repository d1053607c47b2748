import Inventory
import Wire

/// The one check of a machine's install token on the boot plane (`?token=`, DESIGN.md §11): the
/// reports (phone-home, failed) and the k3s join config all go through it, so a refusal is
/// answered and recorded the same way everywhere.
struct InstallTokenCheck {
    let inventory: Inventory
    let log: Logger

    /// A 403 (recorded as `WHAT-refused`) unless the request's `?token=` is the machine's install
    /// token; nil when it is. The comparison takes the same time wherever the tokens differ.
    func refusal(_ request: HTTPRequest, _ machine: Machine, what: String) throws(InventoryError) -> HTTPResponse? {
        let token = request.queryValue("token") ?? ""
        guard !ConstantTime.equal(token.utf8, Array(machine.installToken.utf8)) else { return nil }
        let why = token.isEmpty ? "missing token" : "wrong token"
        try inventory.record("\(what)-refused", for: machine.mac, source: "http", detail: why)
        log.warning("\(what)-refused", ["mac": machine.mac.description, "why": why])
        return .error(403, "\(why) for \(machine.mac): use the token from this machine's user-data")
    }
}
