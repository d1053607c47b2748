import Wire

/// The IPv4 addresses a machine's own network configuration gives it: what its profile's
/// network-config (netplan v2, or v1's `subnets`) or `network-interfaces` (ENI), as rendered for
/// it, lists under `addresses`/`address`. Evidence as good as a reservation (DESIGN.md §11): the
/// operator wrote it, and once cloud-init applies it the machine's requests come from there.
/// Line-based, not a YAML parser: an inline list (`addresses: [a/24, b/24]`), a block list
/// (`- a/24` lines indented under `addresses:`), `address: a/24`, and ENI's `address a/24`;
/// never the addresses under `nameservers:`.
public enum ConfiguredAddresses {
    public static func extract(_ text: String) -> [IPv4Address] {
        var found: [IPv4Address] = []
        var blockIndent: Int?
        /// Inside `nameservers:`: its `addresses` are the DNS servers', not the machine's.
        var nameserversIndent: Int?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let indent = line.prefix { $0 == " " }.count
            let content = line.dropFirst(indent)
            if let skip = nameserversIndent {
                if content.isEmpty || indent > skip { continue }
                nameserversIndent = nil
            }
            if content.hasPrefix("nameservers:") {
                nameserversIndent = indent
                continue
            }
            if let block = blockIndent {
                if content.hasPrefix("- "), indent >= block {
                    found += literals(content.dropFirst(2))
                    continue
                }
                if !content.isEmpty { blockIndent = nil }
            }
            // A list item may open with the key (`- address: 10.0.0.9/24`).
            let keyed = content.hasPrefix("- ") ? content.dropFirst(2) : content
            let words = keyed.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).map(String.init)
            guard let key = words.first, key == "address" || key == "addresses" else { continue }
            let rest = keyed.dropFirst(key.count)
            let values = literals(rest)
            if values.isEmpty, key == "addresses" { blockIndent = indent } else { found += values }
        }
        return found.reduce(into: []) { unique, address in if !unique.contains(address) { unique.append(address) } }
    }

    /// Every `a.b.c.d` or `a.b.c.d/n` word in `text` that is a host address.
    private static func literals(_ text: Substring) -> [IPv4Address] {
        text.split(whereSeparator: { " \t,[]'\":".contains($0) }).compactMap { word in
            let address = word.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
            guard let ip = try? IPv4Address(address), ip.rawValue != 0 else { return nil }
            return ip
        }
    }
}
