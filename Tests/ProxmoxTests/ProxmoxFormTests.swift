import Testing
@testable import Proxmox

struct ProxmoxFormTests {
    @Test func booleansAreZeroOrOneAndSpacesNeverPlus() {
        let body = ProxmoxForm.encode([("full", .bool(true)), ("start", .bool(false)), ("name", .text("a b+c")), ("cores", .int(2))])
        #expect(body == "full=1&start=0&name=a%20b%2Bc&cores=2")
    }

    @Test func sshKeysArePercentEncodedThenFormEncodedAgain() {
        let keys = ["ssh-ed25519 AAAAC3Nza+/x= alice@laptop", "  ssh-rsa AAAAB3 bob@desk  ", ""]
        let value = ProxmoxForm.sshKeys(keys)
        // PVE's uri_unescape keeps `+`: spaces must be %20 and newlines %0A.
        #expect(value == "ssh-ed25519%20AAAAC3Nza%2B%2Fx%3D%20alice%40laptop%0Assh-rsa%20AAAAB3%20bob%40desk%0A")
        #expect(!value.contains("+") && !value.contains(" "))
        #expect(ProxmoxForm.encode([("sshkeys", .text(value))]).hasPrefix("sshkeys=ssh-ed25519%2520AAAAC3Nza%252B"))
    }
}
