import Foundation

/// The real TFTP clients the tests drive, each fetching one file into `output`.
enum TFTPClient: CustomStringConvertible, CaseIterable {
    case curl512, curl1468, curl8192, tftpHPA, atftp, atftpWindow16, atftpBig

    var description: String {
        switch self {
        case .curl512: "curl"
        case .curl1468: "curl --tftp-blksize 1468"
        case .curl8192: "curl --tftp-blksize 8192"
        case .tftpHPA: "tftp (tftp-hpa, octet)"
        case .atftp: "atftp"
        case .atftpWindow16: "atftp blksize 1468 windowsize 16"
        case .atftpBig: "atftp blksize 65464 windowsize 4"
        }
    }

    /// Fetches `name` from 127.0.0.1:`port` into `output`; the client's exit status and output.
    func fetch(_ name: String, port: UInt16, output: String) throws -> ProcessResult {
        switch self {
        case .curl512: try runTool("curl", ["-s", "-S", "--path-as-is", "-o", output, "tftp://127.0.0.1:\(port)/\(name)"])
        case .curl1468: try runTool("curl", ["-s", "-S", "--path-as-is", "--tftp-blksize", "1468", "-o", output, "tftp://127.0.0.1:\(port)/\(name)"])
        case .curl8192: try runTool("curl", ["-s", "-S", "--path-as-is", "--tftp-blksize", "8192", "-o", output, "tftp://127.0.0.1:\(port)/\(name)"])
        case .tftpHPA: try runTool("tftp", ["127.0.0.1", String(port), "-m", "binary", "-c", "get", name, output])
        case .atftp: try runTool("atftp", ["-g", "-r", name, "-l", output, "127.0.0.1", String(port)])
        case .atftpWindow16:
            try runTool("atftp", ["-g", "-r", name, "-l", output, "--option", "blksize 1468", "--option", "windowsize 16", "127.0.0.1", String(port)])
        case .atftpBig:
            try runTool("atftp", ["-g", "-r", name, "-l", output, "--option", "blksize 65464", "--option", "windowsize 4", "127.0.0.1", String(port)])
        }
    }
}
