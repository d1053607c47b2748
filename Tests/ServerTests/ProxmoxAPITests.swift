import Inventory
import Testing
import Wire
@testable import Server

/// `/api/v1/proxmox/...` without a Proxmox: everything refused before any connection is made,
/// routing, and the stored secret never in an answer. Endpoint `lab` points at a port nothing
/// listens on, so a request that did reach the network would answer 502, not the expected error.
@Suite("AdminAPI: /api/v1/proxmox")
struct ProxmoxAPITests {
    static let secret = "pve-token-secret-7f3a9c"
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrijPd2QNKPd2vOEYIzZz4qROlj48DRelCmLT+72TzI ops key"

    /// A fixture whose inventory holds endpoint `lab` (token auth, no trust, unreachable).
    private func fixture() throws -> AdminFixture {
        let fixture = try AdminFixture()
        _ = try fixture.inventory.addProxmoxEndpoint(ProxmoxEndpointRecord(
            name: "lab", url: "https://127.0.0.1:1", auth: .token, principal: "root@pam!provisiond", secret: Self.secret,
            caPEM: nil, fingerprint: nil))
        return fixture
    }

    private static let endpoint = #""name":"lab2","url":"https://127.0.0.1:1""#
    private static let token = #""token_id":"root@pam!provisiond","token_secret":"\#(secret)""#

    @Test("a bad endpoint is refused naming what is wrong", arguments: [
        ("{\(endpoint)}", "give either token_id with token_secret, or user with password"),
        ("{\(endpoint),\(token),\"user\":\"root@pam\",\"password\":\"pw\"}", "give either token_id with token_secret, or user with password"),
        ("{\(token),\"url\":\"https://127.0.0.1:1\"}", "missing field \"name\""),
        ("{\(endpoint),\"token_id\":\"root@pam!provisiond\"}", "missing field \"token_secret\""),
        ("{\(endpoint),\"user\":\"root@pam\"}", "missing field \"password\""),
        ("{\(endpoint),\(token),\"insecure\":true}", "unknown field \"insecure\""),
        ("{\"name\":\"lab2\",\"url\":8006,\(token)}", "field \"url\" must be a string, not number"),
        ("{\(endpoint),\(token),\"fingerprint\":[\"AB\"]}", "field \"fingerprint\" must be a string, not array"),
        ("{\"name\":\"lab2\",\"url\":\"http://127.0.0.1:8006\",\(token)}", "bad Proxmox URL \"http://127.0.0.1:8006\""),
        ("{\"name\":\"lab2\",\"url\":\"https://127.0.0.1:8006/api2/json\",\(token)}", "bad Proxmox URL"),
        ("{\(endpoint),\(token),\"fingerprint\":\"AB:CD:EF\"}", "bad fingerprint \"AB:CD:EF\""),
        ("{\(endpoint),\(token),\"fingerprint\":\"AB:CD\",\"ca_pem\":\"x\"}", "give ca_pem or fingerprint, not both"),
        ("{\(endpoint),\(token),\"ca_pem\":\"not a certificate\"}", "the CA file holds no PEM certificate"),
        ("{\(endpoint),\"token_id\":\"root@pam\",\"token_secret\":\"\(secret)\"}", "bad token id \"root@pam\""),
        ("{\(endpoint),\"user\":\"root\",\"password\":\"pw\"}", "bad user \"root\""),
        ("[1]", "request body must be a JSON object, not array"),
    ])
    func badEndpoint(_ body: String, _ message: String) throws {
        let fixture = try fixture()
        let response = try fixture.send("POST", "/api/v1/proxmox/endpoints", body: body)
        #expect(response.status == 400, "\(response.text)")
        #expect(try response.errorMessage().contains(message), "\(response.text)")
        #expect(!response.text.contains(Self.secret))
        #expect(try fixture.inventory.proxmoxEndpoint("lab2") == nil)
    }

    @Test("an endpoint that does not answer is not stored")
    func unreachableEndpoint() throws {
        let fixture = try fixture()
        let response = try fixture.send("POST", "/api/v1/proxmox/endpoints", body: "{\(Self.endpoint),\(Self.token)}")
        #expect(response.status == 502)
        #expect(try response.errorMessage().contains("https://127.0.0.1:1"), "\(response.text)")
        #expect(try fixture.inventory.proxmoxEndpoint("lab2") == nil)
    }

    @Test("unknown paths are 404, known ones with another method 405 with Allow", arguments: [
        ("GET", "/api/v1/proxmox/nodes", 404, nil),
        ("GET", "/api/v1/proxmox/endpoints/lab/secret", 404, nil),
        ("POST", "/api/v1/proxmox/templates", 404, nil),
        ("PUT", "/api/v1/proxmox/endpoints", 405, "GET, POST"),
        ("GET", "/api/v1/proxmox/endpoints/lab", 405, "DELETE"),
        ("GET", "/api/v1/proxmox/templates/rollout", 405, "POST"),
        ("DELETE", "/api/v1/proxmox/vms", 405, "GET, POST"),
        ("PATCH", "/api/v1/proxmox/vms/web1", 405, "DELETE"),
    ] as [(String, String, Int, String?)])
    func routing(_ method: String, _ path: String, _ status: Int, _ allow: String?) throws {
        let response = try fixture().send(method, path)
        #expect(response.status == status, "\(response.text)")
        #expect(response.headers["Allow"] == allow)
    }

    @Test("an endpoint is deleted once no VM made through it is recorded; an unknown one is 404")
    func deleteEndpoint() throws {
        let fixture = try fixture()
        #expect(try fixture.send("DELETE", "/api/v1/proxmox/endpoints/nope").status == 404)
        try fixture.inventory.addProxmoxVM(ProxmoxVMRecord(name: "web1", endpoint: "lab", node: "pve1", vmid: 120, mac: "bc:24:11:00:00:01",
                                                           template: "debian-12"))
        let inUse = try fixture.send("DELETE", "/api/v1/proxmox/endpoints/lab")
        #expect(inUse.status == 409)
        #expect(try inUse.errorMessage().contains("still has 1 VMs"), "\(inUse.text)")
        try fixture.inventory.deleteProxmoxVM("web1")
        #expect(try fixture.send("DELETE", "/api/v1/proxmox/endpoints/lab").status == 204)
        #expect(try fixture.send("GET", "/api/v1/proxmox/endpoints").json()["endpoints"] == .array([]))
    }

    @Test("a bad VM create is refused before anything is registered", arguments: [
        (#"{"name":"web1","endpoint":"lab","profile":"p"}"#, 400, "missing field \"template\""),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","cores":"2"}"#, 400, "field \"cores\" must be an integer, not string"),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","cores":0}"#, 400, "cores must be 1 to 512"),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","disk":"20 GB"}"#, 400, "bad disk size \"20 GB\""),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","vmid":120}"#, 400, "unknown field \"vmid\""),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","ssh_keys":"ssh-ed25519 AAAA"}"#, 400,
         "field \"ssh_keys\" must be an array of strings, not string"),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","ssh_keys":[1]}"#, 400, "field \"ssh_keys\": item 1 must be a string, not number"),
        ("{\"name\":\"web1\",\"endpoint\":\"lab\",\"template\":\"t\",\"profile\":\"p\",\"ssh_keys\":[\"\(key)\",\"hello\"]}", 400,
         "field \"ssh_keys\": item 2: not an SSH public key"),
        ("{\"name\":\"web1\",\"endpoint\":\"lab\",\"template\":\"t\",\"profile\":\"p\",\"ssh_keys\":[\"\(key)\\nssh-rsa AAAA x\"]}", 400,
         "field \"ssh_keys\": item 1: an SSH public key is one line"),
        (#"{"name":"web1","endpoint":"lab","template":"t","profile":"p","ssh_keys":["ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIOrijPd2QNKPd2vOEYIzZz4qROlj48DRelCmLT+72TzI"]}"#,
         400, "field \"ssh_keys\": item 1: the key data is not that of a ssh-rsa key"),
        (#"{"name":"web1","endpoint":"nope","template":"t","profile":"p"}"#, 404, "no Proxmox endpoint named nope"),
        ("{\"name\":\"web1\",\"endpoint\":\"lab\",\"template\":\"t\",\"profile\":\"p\",\"ssh_keys\":[\"\(key)\"]}", 502, "cannot reach Proxmox"),
    ] as [(String, Int, String)])
    func badCreate(_ body: String, _ status: Int, _ message: String) throws {
        let fixture = try fixture()
        let response = try fixture.send("POST", "/api/v1/proxmox/vms", body: body)
        #expect(response.status == status, "\(response.text)")
        #expect(try response.errorMessage().contains(message), "\(response.text)")
        #expect(try fixture.inventory.machines().isEmpty)
        #expect(try fixture.inventory.proxmoxVMs().isEmpty)
    }

    @Test("a bad rollout is refused naming what is wrong", arguments: [
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","storage":"s"}"#, 400, "give nodes or all_nodes, not both and not neither"),
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","storage":"s","nodes":["a"],"all_nodes":true}"#, 400, "not both"),
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","storage":"s","nodes":"pve1"}"#, 400, "field \"nodes\" must be an array of strings"),
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","storage":"s","all_nodes":1}"#, 400, "field \"all_nodes\" must be true or false"),
        (#"{"endpoint":"lab","name":"t","image_url":"ftp://x/i","storage":"s","all_nodes":true}"#, 400, "bad image URL"),
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","checksum":"crc:1","storage":"s","all_nodes":true}"#, 400, "bad checksum"),
        (#"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","all_nodes":true}"#, 400, "missing field \"storage\""),
        (#"{"endpoint":"nope","name":"t","image_url":"https://x/i.qcow2","storage":"s","all_nodes":true}"#, 404, "no Proxmox endpoint named nope"),
    ] as [(String, Int, String)])
    func badRollout(_ body: String, _ status: Int, _ message: String) throws {
        let response = try fixture().send("POST", "/api/v1/proxmox/templates/rollout", body: body)
        #expect(response.status == status, "\(response.text)")
        #expect(try response.errorMessage().contains(message), "\(response.text)")
    }

    @Test("VMs of an endpoint that does not answer are listed as unreachable; deleting an unknown VM is 404")
    func listAndDeleteVMs() throws {
        let fixture = try fixture()
        try fixture.inventory.addProxmoxVM(ProxmoxVMRecord(name: "web1", endpoint: "lab", node: "pve1", vmid: 120, mac: "bc:24:11:00:00:01",
                                                           template: "debian-12"))
        let vms = try fixture.send("GET", "/api/v1/proxmox/vms").json()["vms"]?.arrayValue ?? []
        #expect(vms.map { $0["status"] } == [.string("unreachable")])
        #expect(try fixture.send("DELETE", "/api/v1/proxmox/vms/nope").status == 404)
        let unreachable = try fixture.send("DELETE", "/api/v1/proxmox/vms/web1")
        #expect(unreachable.status == 502)
        #expect(try fixture.inventory.proxmoxVM("web1") != nil, "a VM whose endpoint did not answer was dropped from the inventory")
    }

    @Test("no answer of any Proxmox route holds the stored secret")
    func secretNeverAnswered() throws {
        let fixture = try fixture()
        try fixture.inventory.addProxmoxVM(ProxmoxVMRecord(name: "web1", endpoint: "lab", node: "pve1", vmid: 120, mac: "bc:24:11:00:00:01",
                                                           template: "debian-12"))
        let requests: [(String, String, String?)] = [
            ("GET", "/api/v1/proxmox/endpoints", nil),
            ("POST", "/api/v1/proxmox/endpoints", #"{"name":"lab","url":"https://127.0.0.1:1","token_id":"root@pam!provisiond","token_secret":"x"}"#),
            ("POST", "/api/v1/proxmox/endpoints", #"{"name":"lab","url":"https://127.0.0.1:1","token_id":"root@pam!x","token_secret":"\#(Self.secret)"}"#),
            ("DELETE", "/api/v1/proxmox/endpoints/lab", nil),
            ("GET", "/api/v1/proxmox/endpoints/lab", nil),
            ("GET", "/api/v1/proxmox/vms", nil),
            ("GET", "/api/v1/proxmox/vms?endpoint=lab", nil),
            ("POST", "/api/v1/proxmox/vms", #"{"name":"web2","endpoint":"lab","template":"t","profile":"p"}"#),
            ("POST", "/api/v1/proxmox/templates/rollout", #"{"endpoint":"lab","name":"t","image_url":"https://x/i.qcow2","storage":"s","all_nodes":true}"#),
            ("DELETE", "/api/v1/proxmox/vms/web1", nil),
        ]
        var statuses: [Int] = []
        for (method, path, body) in requests {
            let response = try fixture.send(method, path, body: body)
            statuses.append(response.status)
            #expect(!response.text.contains(Self.secret), "\(method) \(path) answered the secret: \(response.text)")
            #expect(!response.headers.fields.contains { $0.value.contains(Self.secret) })
        }
        #expect(statuses == [200, 502, 502, 409, 405, 200, 200, 502, 502, 502])
        #expect(try fixture.send("GET", "/api/v1/proxmox/endpoints").json()["endpoints"]?.arrayValue?.first?["has_secret"] == .bool(true))
    }
}
