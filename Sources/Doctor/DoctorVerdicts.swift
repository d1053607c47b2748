import Wire

/// The pure judgements of `provisionctl doctor`: facts the server gathered in, a check out.
public enum DoctorVerdicts {
    /// Below this much free space the database and logs are about to stop: fail.
    public static let failFreeBytes: UInt64 = 256 << 20
    /// Below this, warn: an asset or a kubespray log run fills the rest.
    public static let warnFreeBytes: UInt64 = 1 << 30

    public static func disk(path: String, freeBytes: UInt64, totalBytes: UInt64) -> DoctorCheck {
        let details: [(String, JSONValue)] = [("path", .string(path)), ("free_bytes", .number(String(freeBytes))),
                                              ("total_bytes", .number(String(totalBytes)))]
        let text = "\(mebibytes(freeBytes)) free of \(mebibytes(totalBytes)) at \(path)"
        if freeBytes < failFreeBytes {
            return DoctorCheck("disk", .fail, text, fix: "free space on the data directory's file system: SQLite stops writing when it is full",
                               details: details)
        }
        if freeBytes < warnFreeBytes { return DoctorCheck("disk", .warn, text, fix: "free space on the data directory's file system", details: details) }
        return DoctorCheck("disk", .ok, text, details: details)
    }

    /// The admin token file must be readable by the server's user alone (mode 0600 or stricter).
    public static func adminToken(path: String, mode: UInt32?) -> DoctorCheck {
        guard let mode else {
            return DoctorCheck("admin-token", .fail, "\(path) is missing", fix: "restart provisiond: it writes a new token at start")
        }
        let octal = "0" + String(mode & 0o777, radix: 8)
        let details: [(String, JSONValue)] = [("path", .string(path)), ("mode", .string(octal))]
        guard mode & 0o077 == 0 else {
            return DoctorCheck("admin-token", .fail, "\(path) has mode \(octal): other users can read the admin token",
                               fix: "chmod 600 \(path), then replace the token if it may have been read", details: details)
        }
        return DoctorCheck("admin-token", .ok, "\(path) has mode \(octal)", details: details)
    }

    /// The earliest plausible time (2026-01-01T00:00:00Z, before this release): a clock behind it
    /// has not been set, and lease expiries, event times and TLS checks against Proxmox go wrong.
    public static let earliestPlausible = 1_767_225_600.0

    /// `serverNow`: the server's clock (Unix seconds). `clientNow`: the CLI's, when it compares.
    public static func clock(serverNow: Double, clientNow: Double? = nil) -> DoctorCheck {
        var details: [(String, JSONValue)] = [("server_unix", .number(String(Int(serverNow))))]
        guard serverNow >= earliestPlausible else {
            return DoctorCheck("clock", .fail, "the server's clock says \(Int(serverNow)) (Unix seconds), before this release was made",
                               fix: "set the time (systemd-timesyncd, chrony) and restart provisiond", details: details)
        }
        if let clientNow {
            let skew = serverNow - clientNow
            details.append(("skew_seconds", .number(String((skew * 10).rounded() / 10))))
            if abs(skew) > 60 {
                return DoctorCheck("clock", .warn, "the server's clock is \(Int(skew)) s from this host's",
                                   fix: "run NTP on both hosts: events and leases carry the server's time", details: details)
            }
            return DoctorCheck("clock", .ok, "the server's clock is within \(Int(abs(skew).rounded(.up))) s of this host's", details: details)
        }
        return DoctorCheck("clock", .ok, "the server's clock is plausible", details: details)
    }

    /// `PRAGMA quick_check`'s lines: a single `ok`, or the problems.
    public static func database(path: String, quickCheck: Result<[String], DoctorFailure>) -> DoctorCheck {
        switch quickCheck {
        case .success(let lines) where lines == ["ok"]:
            return DoctorCheck("database", .ok, "\(path): quick_check ok")
        case .success(let lines):
            return DoctorCheck("database", .fail, "\(path): quick_check found: \(lines.prefix(5).joined(separator: "; "))",
                               fix: "stop provisiond, back the file up, and recover it (sqlite3 \(path) .recover)",
                               details: [("problems", .array(lines.map { .string($0) }))])
        case .failure(let error):
            return DoctorCheck("database", .fail, "\(path): \(error)", fix: "check the data directory's permissions and disk")
        }
    }

    /// The iPXE binaries firmware asks for by architecture (option 93), with their sizes (nil:
    /// missing). x86 BIOS and UEFI are needed; ARM64 and snponly only where such machines boot.
    public static let ipxeBinaries: [(file: String, architecture: String, required: Bool)] = [
        ("undionly.kpxe", "x86 BIOS (arch 0)", true), ("ipxe.efi", "x86-64 UEFI (arch 7, 9)", true),
        ("snponly.efi", "x86-64 UEFI, efiBinary snponly.efi", false), ("snp.efi", "ARM64 UEFI (arch 11)", false),
    ]

    public static func ipxe(directory: String, sizes: [String: UInt64]) -> DoctorCheck {
        let details: [(String, JSONValue)] = [("dir", .string(directory))]
            + ipxeBinaries.map { ($0.file, sizes[$0.file].map { .number(String($0)) } ?? .null) }
        let missingRequired = ipxeBinaries.filter { $0.required && sizes[$0.file] == nil }
        let missingOptional = ipxeBinaries.filter { !$0.required && sizes[$0.file] == nil }
        let present = ipxeBinaries.compactMap { binary in sizes[binary.file].map { "\(binary.file) \(mebibytes($0))" } }
        let summary = present.isEmpty ? "none present" : present.joined(separator: ", ")
        if !missingRequired.isEmpty {
            return DoctorCheck("ipxe-binaries", .fail,
                               "\(directory): missing \(missingRequired.map { "\($0.file) for \($0.architecture)" }.joined(separator: ", ")); \(summary)",
                               fix: "install Debian's ipxe package (apt-get install ipxe) or point --ipxe-dir at the binaries", details: details)
        }
        if !missingOptional.isEmpty {
            return DoctorCheck("ipxe-binaries", .warn,
                               "\(directory): \(summary); missing \(missingOptional.map { "\($0.file) (\($0.architecture))" }.joined(separator: ", "))",
                               fix: "only needed if such machines boot here", details: details)
        }
        return DoctorCheck("ipxe-binaries", .ok, "\(directory): \(summary)", details: details)
    }

    /// One profile's kernel and initrds: asset paths must exist (sizes given); URLs and templated
    /// sources are resolved by the machine and only listed.
    public static func profileAssets(profile: String, assetsDir: String, files: [(role: String, source: String, size: UInt64?)]) -> DoctorCheck {
        let name = "profile \(profile)"
        let details: [(String, JSONValue)] = files.map { file in
            (file.source, file.size.map { .number(String($0)) } ?? (isRemote(file.source) ? .string("remote") : .null))
        }
        if files.isEmpty { return DoctorCheck(name, .ok, "boots the local disk (no kernel)") }
        let missing = files.filter { $0.size == nil && !isRemote($0.source) }
        let listed = files.map { file in
            "\(file.role) \(file.source)" + (file.size.map { " \(mebibytes($0))" } ?? (isRemote(file.source) ? " (remote, not checked)" : " MISSING"))
        }.joined(separator: ", ")
        if !missing.isEmpty {
            return DoctorCheck(name, .fail, listed,
                               fix: "put \(missing.map { "\(assetsDir)/\($0.source)" }.joined(separator: " and ")) in place (machines with this profile cannot boot)",
                               details: details)
        }
        return DoctorCheck(name, .ok, listed, details: details)
    }

    public static func isRemote(_ source: String) -> Bool {
        source.hasPrefix("http://") || source.hasPrefix("https://") || source.contains("{{")
    }

    /// Where machines reach the boot plane: the host and port of `url`, nil if it is not
    /// `http://HOST[:PORT][/...]`.
    public static func endpoint(of url: String) -> (host: String, port: UInt16)? {
        guard url.hasPrefix("http://") else { return nil }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" }
        let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        guard parts.count == 2 else { return (String(host), 80) }
        guard let port = UInt16(parts[1]), port > 0 else { return nil }
        return (String(host), port)
    }

    /// `answer`: the HTTP status of `GET URL/healthz` sent from `source`, or why it failed.
    public static func serverURL(_ url: String, source: String?, answer: Result<Int, DoctorFailure>) -> DoctorCheck {
        let from = source.map { " from \($0)" } ?? ""
        var details: [(String, JSONValue)] = [("url", .string(url))]
        if let source { details.append(("source", .string(source))) }
        if let (host, _) = endpoint(of: url), host == "localhost" || host.hasPrefix("127.") {
            return DoctorCheck("server-url", .fail, "\(url) is a loopback address: machines cannot reach it",
                               fix: "pass --server-url http://ADDRESS:PORT with the address machines reach on the provisioning network",
                               details: details)
        }
        switch answer {
        case .success(200):
            return DoctorCheck("server-url", .ok, "\(url)/healthz answers 200\(from)", details: details)
        case .success(let status):
            return DoctorCheck("server-url", .fail, "\(url)/healthz answers HTTP \(status)\(from): it is not this boot plane",
                               fix: "point --server-url at provisiond's HTTP listener (--http-listen)", details: details)
        case .failure(let error):
            return DoctorCheck("server-url", .fail, "\(url) is not reachable\(from): \(error)",
                               fix: "check --server-url, --http-listen and any firewall between the interface and that address",
                               details: details)
        }
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        if bytes < 1 << 20 { return "\(bytes) B" }
        let value = Double(bytes) / 1_048_576
        return "\((value * 10).rounded() / 10) MiB"
    }
}
