import Foundation

/// Runs the system `curl`. On Linux, URLSession trusts only the system CA bundle: it reads
/// `URLSessionCertificateAuthorityInfoFile` under `#if os(Android)` alone and hands no
/// server-trust challenge to a delegate (swift-corelibs-foundation EasyHandle.swift,
/// setCARootBundlePath). curl uses the same libcurl and OpenSSL with a CA file per request.
struct CurlProcess: Sendable {
    struct Result {
        let status: Int32
        let stdout: [UInt8]
        let stderr: String
    }

    static let searchPath = ["/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl"]

    let executable: String

    init() throws(ProxmoxError) {
        guard let path = Self.searchPath.first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw .transport("the curl program is not installed (apt-get install curl): provisiond speaks to Proxmox through it")
        }
        executable = path
    }

    /// Runs curl with `arguments` after `-q`: curl reads no `.curlrc` (`$CURL_HOME`, `$HOME`,
    /// `$XDG_CONFIG_HOME`), so a user's `insecure` there cannot weaken the pinned trust. curl(1)
    /// honours `-q` only as the very first argument.
    func run(_ arguments: [String], stdin: String) throws(ProxmoxError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-q"] + arguments
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { throw .transport("cannot run \(executable): \(error.localizedDescription)") }
        let collected = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { collected.out = output.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { collected.err = errors.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: [UInt8](collected.out),
                      stderr: String(decoding: collected.err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private final class Collected: @unchecked Sendable {
        var out = Data()
        var err = Data()
    }
}
