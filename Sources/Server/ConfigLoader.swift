import Boot
import Foundation
import Wire

/// Reads provisiond's configuration: defaults, then a JSON file (`--config`) whose keys mirror the
/// flags, then flags, which win. Unknown flags and keys are errors that name them.
public enum ConfigLoader {
    public enum Command: Equatable, Sendable {
        case run(ServerConfig)
        case help
        case version
    }

    struct Option: Sendable {
        let flag: String
        let key: String
        let argument: String
        let help: String
        let apply: @Sendable (inout ServerConfig, String) throws(StartupError) -> Void

        /// A `SECONDS` option that sets `field`.
        static func seconds(_ flag: String, _ key: String, _ field: WritableKeyPath<ServerConfig, Double> & Sendable, _ what: String,
                            upTo limit: Double, help: String) -> Option {
            Option(flag: flag, key: key, argument: "SECONDS", help: help) { (config: inout ServerConfig, value: String) throws(StartupError) in
                config[keyPath: field] = try ConfigLoader.seconds(value, what, upTo: limit)
            }
        }

        /// A whole-number option from 1 to `limit`, given to `set`.
        static func count(_ flag: String, _ key: String, _ what: String, upTo limit: Int, help: String,
                          _ set: @escaping @Sendable (inout ServerConfig, Int) -> Void) -> Option {
            Option(flag: flag, key: key, argument: "N", help: help) { (config: inout ServerConfig, value: String) throws(StartupError) in
                guard let number = Int(value), (1...limit).contains(number) else {
                    throw StartupError("\(what) \"\(value)\" must be a whole number from 1 to \(limit)")
                }
                set(&config, number)
            }
        }
    }

    static let options: [Option] = [
        Option(flag: "--data-dir", key: "dataDir", argument: "DIR", help: "database and admin token (default ./provision-data)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard !value.isEmpty else { throw StartupError("data directory must not be empty") }
            config.dataDir = value
        },
        Option(flag: "--http-listen", key: "httpListen", argument: "HOST:PORT", help: "boot plane HTTP (default 0.0.0.0:8080)") {
            $0.httpListen = $1
        },
        Option(flag: "--admin-listen", key: "adminListen", argument: "HOST:PORT", help: "admin API (default 127.0.0.1:8081)") {
            $0.adminListen = $1
        },
        Option(flag: "--metrics-listen", key: "metricsListen", argument: "HOST:PORT",
               help: "a listener serving only /metrics, without the admin token (default: none; /metrics is on the admin API)") {
            $0.metricsListen = $1
        },
        Option(flag: "--dhcp-mode", key: "dhcpMode", argument: "MODE", help: "proxy (default), full (needs subnets in --config) or off") {
            (config: inout ServerConfig, value: String) throws(StartupError) in try config.dhcp.setMode(value)
        },
        Option(flag: "--interface", key: "interface", argument: "IFACE", help: "serve DHCP on this interface only") {
            $0.dhcp.interface = $1
        },
        Option(flag: "--tftp-listen", key: "tftpListen", argument: "HOST:PORT", help: "TFTP, or off (default 0.0.0.0:69)") {
            $0.tftpListen = $1 == "off" ? nil : $1
        },
        Option(flag: "--tftp-root", key: "tftpRoot", argument: "DIR", help: "files served over TFTP (default DATA/tftp)") {
            $0.tftpRoot = $1
        },
        Option(flag: "--ipxe-dir", key: "ipxeDir", argument: "DIR", help: "iPXE binaries served over TFTP (default /usr/lib/ipxe)") {
            $0.ipxeDir = $1
        },
        Option(flag: "--tftp-retries", key: "tftpRetries", argument: "N", help: "retransmissions before a TFTP client is given up (default 5)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard let retries = Int(value), (0...20).contains(retries) else {
                throw StartupError("TFTP retries \"\(value)\" must be a whole number from 0 to 20")
            }
            config.tftpRetries = retries
        },
        Option(flag: "--assets-dir", key: "assetsDir", argument: "DIR", help: "files served under /assets/ (default DATA/assets)") {
            $0.assetsDir = $1
        },
        Option(flag: "--profiles-dir", key: "profilesDir", argument: "DIR[:DIR]",
               help: "boot profiles, NAME.json each; several: the first holding a name wins, each must exist (default ./profiles)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in config.profilesDirs = try directories(value, "profiles")
        },
        Option(flag: "--cloud-init-dir", key: "cloudInitDir", argument: "DIR[:DIR]",
               help: "cloud-init templates; several: a template is taken from the first that has it (default ./cloud-init)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in config.cloudInitDirs = try directories(value, "cloud-init")
        },
        Option(flag: "--server-url", key: "serverURL", argument: "URL", help: "how machines reach the boot plane (default: the address they used)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard value.hasPrefix("http://") || value.hasPrefix("https://"), !value.hasSuffix("/"), !value.contains(" ") else {
                throw StartupError("server URL \"\(value)\" must be http(s)://HOST[:PORT] without a trailing slash")
            }
            config.serverURL = value
        },
        Option(flag: "--discovery", key: "discovery", argument: "POLICY", help: "unknown machines: ignore (default) or hold until adopted") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard let policy = DiscoveryPolicy(rawValue: value) else {
                throw StartupError("unknown discovery policy \"\(value)\" (ignore, hold)")
            }
            config.discovery = policy
        },
        Option(flag: "--commission-profile", key: "commissionProfile", argument: "NAME",
               help: "with --discovery hold: held machines boot this profile (e.g. commission) once to report their hardware") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard AssetPath.components(value)?.count == 1 else { throw StartupError("commission profile \"\(value)\" must be a profile name") }
            config.commissionProfile = value
        },
        Option(flag: "--discovery-limit", key: "discoveryLimit", argument: "N",
               help: "discovered machines kept, the oldest pruned beyond it (default 1000)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard let limit = Int(value), (1...1_000_000).contains(limit) else {
                throw StartupError("discovery limit \"\(value)\" must be a whole number from 1 to 1000000")
            }
            config.discoveryLimit = limit
        },
        Option(flag: "--discovery-rate", key: "discoveryRate", argument: "N",
               help: "discovery and sighting writes a second, all machines together (default 50)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard let rate = Double(value), rate >= 1, rate <= 100_000 else {
                throw StartupError("discovery rate \"\(value)\" must be a number from 1 to 100000")
            }
            config.discoveryRate = rate
        },
        Option(flag: "--metadata-trust", key: "metadataTrust", argument: "MODE",
               help: "what proves a boot-plane request is a machine's: address (default: its reserved IP, lease or DHCP request) or mac") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            guard let trust = MetadataTrust.parse(value) else {
                throw StartupError("unknown metadata trust \"\(value)\" (\(MetadataTrust.names))")
            }
            config.metadataTrust = trust
        },
        .seconds("--idle-timeout", "idleTimeout", \.idleTimeout, "idle timeout", upTo: 3600, help: "close idle HTTP connections (default 60)"),
        .seconds("--request-head-timeout", "requestHeadTimeout", \.requestHeadTimeout, "request head timeout", upTo: 3600,
                 help: "a request head must arrive within this of its first byte (default 10)"),
        .seconds("--request-body-timeout", "requestBodyTimeout", \.requestBodyTimeout, "request body timeout", upTo: 3600,
                 help: "a request body must arrive within this of its head (default 60)"),
        .count("--http-connections", "httpConnections", "boot plane connections", upTo: 1 << 20,
               help: "boot plane connections at once (default: its share of the fd limit)") { $0.httpConnections = $1 },
        .count("--http-connections-per-address", "httpConnectionsPerAddress", "boot plane connections per address", upTo: 1 << 20,
               help: "boot plane connections from one address (default 32)") { $0.httpConnectionsPerAddress = $1 },
        .count("--admin-connections", "adminConnections", "admin connections", upTo: 1 << 20,
               help: "admin API connections at once (default: its share of the fd limit)") { $0.adminConnections = $1 },
        .count("--admin-connections-per-address", "adminConnectionsPerAddress", "admin connections per address", upTo: 1 << 20,
               help: "admin API connections from one address (default 1024)") { $0.adminConnectionsPerAddress = $1 },
        .count("--tftp-transfers", "tftpTransfers", "TFTP transfers", upTo: 1 << 16,
               help: "TFTP transfers at once (default: its share of the fd limit, at most 1024)") { $0.tftpTransfers = $1 },
        .count("--tftp-transfers-per-address", "tftpTransfersPerAddress", "TFTP transfers per address", upTo: 1 << 16,
               help: "TFTP transfers to one address at once (default 8)") { $0.tftpTransfersPerAddress = $1 },
        Option(flag: "--hooks-dir", key: "hooksDir", argument: "DIR", help: "executables run on every machine change (default DATA/hooks)") {
            $0.hooksDir = $1
        },
        .seconds("--hook-timeout", "hookTimeout", \.hookTimeout, "hook timeout", upTo: 3600, help: "time limit of one hook (default 60)"),
        Option(flag: "--kubespray-command", key: "kubesprayCommand", argument: "CMD",
               help: "playbook command, words split on spaces; in --config a JSON array (default \"ansible-playbook -b\")") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            config.kubesprayCommand = try command(value.split(separator: " ").map(String.init))
        },
        Option(flag: "--kubespray-dir", key: "kubesprayDir", argument: "DIR", help: "where the playbook command runs (default DATA/clusters/NAME)") {
            $0.kubesprayDir = $1
        },
        .seconds("--kubespray-timeout", "kubesprayTimeout", \.kubesprayTimeout, "kubespray timeout", upTo: 86400,
                 help: "time limit of one playbook run (default 3600)"),
        .seconds("--install-timeout", "installTimeout", \.installTimeout, "install timeout", upTo: Profile.installTimeoutLimit,
                 help: "booting/installing this long with no report → failed (default 3600; a profile's installTimeout wins)"),
        .seconds("--proxmox-task-timeout", "proxmoxTaskTimeout", \.proxmoxTaskTimeout, "Proxmox task timeout", upTo: 86400,
                 help: "how long a Proxmox task (download, clone, ...) may run (default 3600)"),
        Option(flag: "--power-poll-interval", key: "powerPollInterval", argument: "SECONDS",
               help: "read machines' power this often and record changes provisiond did not make (default off)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            config.powerPollInterval = value == "off" ? nil : try seconds(value, "power poll interval", upTo: 86400)
        },
        Option(flag: "--log-level", key: "logLevel", argument: "LEVEL", help: "debug, info, warn or error (default info)") {
            (config: inout ServerConfig, value: String) throws(StartupError) in
            let levels: [String: Logger.Level] = ["debug": .debug, "info": .info, "warn": .warning, "error": .error]
            guard let level = levels[value] else { throw StartupError("unknown log level \"\(value)\" (debug, info, warn, error)") }
            config.logLevel = level
        },
    ]

    private static func seconds(_ value: String, _ what: String, upTo limit: Double) throws(StartupError) -> Double {
        guard let seconds = Double(value), seconds > 0, seconds <= limit else {
            throw StartupError("\(what) \"\(value)\" must be a number of seconds between 0 and \(Int(limit))")
        }
        return seconds
    }

    /// A search path of directories: `DIR[:DIR...]` as in `$PATH` from a flag, a JSON array of
    /// them from the config file.
    private static func directories(_ value: String, _ what: String) throws(StartupError) -> [String] {
        try directories(value.split(separator: ":", omittingEmptySubsequences: false).map(String.init), what)
    }

    private static func directories(_ list: [String], _ what: String) throws(StartupError) -> [String] {
        guard !list.isEmpty, !list.contains(where: \.isEmpty) else {
            throw StartupError("\(what) directories [\(list.joined(separator: ", "))] must be a non-empty list without empty entries")
        }
        return list
    }

    private static func command(_ words: [String]) throws(StartupError) -> [String] {
        guard let first = words.first, !first.isEmpty else { throw StartupError("kubespray command must name a program") }
        return words
    }

    public static func load(arguments: [String]) throws(StartupError) -> Command {
        var flags: [(Option, String)] = []
        var configPath: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" { return .help }
            if argument == "--version" { return .version }
            let (name, inlineValue) = split(argument)
            guard name == "--config" || options.contains(where: { $0.flag == name }) else {
                throw StartupError("unknown flag \"\(argument)\" (see provisiond --help)")
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw StartupError("flag \(name) needs a value") }
                value = arguments[index]
                index += 1
            }
            if name == "--config" {
                configPath = value
            } else if let option = options.first(where: { $0.flag == name }) {
                flags.append((option, value))
            }
        }
        var config = ServerConfig()
        if let configPath { try applyFile(configPath, to: &config) }
        for (option, value) in flags { try option.apply(&config, value) }
        if config.dhcp.mode == .full, config.dhcp.subnets.isEmpty {
            throw StartupError("DHCP full mode needs subnets: put {\"dhcp\": {\"subnets\": [...]}} in the --config file")
        }
        return .run(config)
    }

    private static func split(_ argument: String) -> (String, String?) {
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }

    private static func applyFile(_ path: String, to config: inout ServerConfig) throws(StartupError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw StartupError("cannot read config file \(path)") }
        let document: JSONValue
        do { document = try JSONParser.parse([UInt8](data)) } catch { throw StartupError("config file \(path): \(error.description)") }
        guard let members = document.objectValue else { throw StartupError("config file \(path): the top level must be a JSON object") }
        for (key, value) in members {
            if key == "dhcp" {
                try config.dhcp.apply(value, file: path)
                continue
            }
            guard let option = options.first(where: { $0.key == key }) else {
                let known = (options.map(\.key) + ["dhcp"]).joined(separator: ", ")
                throw StartupError("config file \(path): unknown key \"\(key)\" (known: \(known))")
            }
            // These take a JSON array too: the command's words, the directories in order.
            if ["kubesprayCommand", "profilesDir", "cloudInitDir"].contains(key), let items = value.arrayValue {
                let words = items.compactMap(\.stringValue)
                guard words.count == items.count else {
                    throw StartupError("config file \(path): \"\(key)\" must be an array of strings")
                }
                switch key {
                case "kubesprayCommand": config.kubesprayCommand = try command(words)
                case "profilesDir": config.profilesDirs = try directories(words, "profiles")
                default: config.cloudInitDirs = try directories(words, "cloud-init")
                }
                continue
            }
            guard let text = value.stringValue else {
                throw StartupError("config file \(path): \"\(key)\" must be a string, not \(value.typeName)")
            }
            try option.apply(&config, text)
        }
    }

    public static var usage: String {
        var text = """
            usage: provisiond [--config FILE] [flags]

            Bare-metal provisioning server: boot plane over HTTP, admin API, SQLite inventory.
            With no flags it runs on its defaults, keeping its data in ./provision-data.

            flags:
              --config FILE            JSON file whose keys mirror the flags (dataDir, httpListen, ...); flags win

            """
        for option in options {
            let left = "\(option.flag) \(option.argument)"
            text += "  " + left.padding(toLength: max(left.count, 23), withPad: " ", startingAt: 0) + "  \(option.help) [\(option.key)]\n"
        }
        text += "  --help                   this text\n  --version                version\n"
        return text
    }
}
