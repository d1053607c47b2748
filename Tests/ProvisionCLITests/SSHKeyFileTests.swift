import TestSupport
import Testing

@testable import ProvisionCLI

@Suite("--ssh-key-file")
struct SSHKeyFileTests {
    static let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOrijPd2QNKPd2vOEYIzZz4qROlj48DRelCmLT+72TzI"

    @Test("keys of several files in order; blank lines and comments skipped")
    func readsFiles() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write("team.pub", "# team\n\n  \(Self.key) alice on laptop \r\n\(Self.key) bob\n")
        let second = try directory.write("carol.pub", "\(Self.key)")
        #expect(try SSHKeyFile.keys(paths: [first, second]) == ["\(Self.key) alice on laptop", "\(Self.key) bob", Self.key])
    }

    @Test("a missing file, an empty one and a bad line are errors naming the file (and line)", arguments: [
        ("# only a comment\n\n", "holds no SSH public key"),
        ("\(key)\nnot-a-key\n", "line 2: not an SSH public key"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "line 1: this is a private key"),
    ])
    func badFile(_ text: String, _ message: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("keys", text)
        let error = #expect(throws: CLIError.self) { try SSHKeyFile.keys(paths: [path]) }
        #expect(error?.description.hasPrefix("\(path) \(message)") == true, "\(String(describing: error))")
        #expect(error?.description.contains("b3BlbnNzaC1rZXktdjEAAAAA") == false)
    }

    @Test("vm create stops at a missing key file before reaching the server")
    func missingFile() throws {
        let output = cli().run(["proxmox", "vm", "create", "web1", "--endpoint", "lab", "--template", "t", "--profile", "p",
                                "--ssh-key-file", "/nonexistent/id.pub", "--server", unreachableServer])
        #expect(output.status == 1)
        #expect(output.stderr.contains("cannot read the SSH key file /nonexistent/id.pub"), "\(output.stderr)")
    }
}
