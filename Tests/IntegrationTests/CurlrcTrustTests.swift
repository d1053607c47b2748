import Foundation
import TestSupport
import Testing

/// A user's `~/.curlrc` saying `insecure` must not weaken Proxmox trust: provisiond runs curl
/// with `-q` first, so curl reads no config file of the user running it.
@Suite(.timeLimit(.minutes(3))) struct CurlrcTrustTests {
    @Test func anInsecureCurlrcInHomeDoesNotMakeAnUntrustedCertificateTrusted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let home = dir.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/.config", withIntermediateDirectories: true)
        // Every place curl looks for a default config (curl(1), "-K"): $CURL_HOME, $XDG_CONFIG_HOME, $HOME.
        for file in [home + "/.curlrc", home + "/.config/.curlrc"] { try "insecure\n".write(toFile: file, atomically: true, encoding: .utf8) }
        let environment = ["HOME": home, "CURL_HOME": home, "XDG_CONFIG_HOME": home + "/.config", "PATH": "/usr/bin:/bin"]
        let pve = try FakePVE(directory: dir.path + "/pve")
        // The control: this .curlrc does make curl accept fakepve's certificate from an unknown CA.
        let plain = try runProgram(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-o", "/dev/null", "-w", "%{http_code}", pve.url + "/api2/json/version"],
                                   environment: environment)
        #expect(plain.status == 0 && plain.stdout == "401", "curl with the insecure .curlrc: \(plain.status) \(plain.stdout) \(plain.stderr)")

        let server = try ServerProcess(dataDir: dir.path + "/data", environment: environment)
        try FakePVE.tokenSecret.write(toFile: dir.path + "/secret", atomically: true, encoding: .utf8)
        let add = try server.ctl(["proxmox", "add", "lab", "--url", pve.url, "--token-id", FakePVE.tokenID, "--token-secret-file", dir.path + "/secret"])
        #expect(add.status == 1)
        #expect(add.stderr.contains("not trusted") && add.stderr.contains("--ca-file"), "\(add.stderr)")
        #expect(server.stop() == 0)
    }
}
