/// What the `curl` transport hands to curl: a config file read from stdin (`curl -K -`), so the
/// token, password and ticket never appear in the process list; and the parsing of what
/// `--include` writes back (status line, headers, body).
public enum CurlConfig {
    public static func render(_ exchange: HTTPExchange, caFile: String?, timeout: Double) -> String {
        var lines = [
            "url = \(quoted(exchange.url))",
            "request = \(quoted(exchange.method))",
            "silent", "show-error", "include",
            // Only HTTPS, and no redirects: PVE never redirects its API.
            "proto = \"=https\"",
            "connect-timeout = 15",
            "max-time = \(Int(timeout.rounded(.up)))",
            // An empty Expect: keeps curl from waiting for `100 Continue` on larger bodies.
            "header = \"Expect:\"",
        ]
        if let caFile { lines.append("cacert = \(quoted(caFile))") }
        for (name, value) in exchange.headers { lines.append("header = \(quoted("\(name): \(value)"))") }
        if let body = exchange.body {
            // PVE takes forms; a caller sending another type (Redfish's JSON) names it itself.
            if !exchange.headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                lines.append("header = \"Content-Type: application/x-www-form-urlencoded\"")
            }
            lines.append("data-binary = \(quoted(body))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A curl config string: double quotes, with `\` and `"` escaped and line breaks written as
    /// escapes (curl's config syntax, tool_parsecfg.c).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.append(character)
            }
        }
        return out + "\""
    }

    /// The final response of `--include` output: interim `1xx` responses are skipped.
    public static func parseIncluded(_ output: [UInt8]) throws(ProxmoxError) -> HTTPReply {
        var rest = output[...]
        while true {
            guard let end = firstHeadEnd(rest) else { throw .malformed("no complete HTTP response head from curl") }
            let head = String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
            let headLines = head.split(separator: "\r\n")
            let statusLine = headLines.first.map(String.init) ?? ""
            let words = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else {
                throw .malformed("bad HTTP status line \"\(statusLine)\"")
            }
            rest = rest[(end + 4)...]
            if (100..<200).contains(status) { continue }
            var headers: [String: String] = [:]
            for line in headLines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
            }
            return HTTPReply(status: status, reason: words.count > 2 ? String(words[2]) : "", body: Array(rest), headers: headers)
        }
    }

    private static func firstHeadEnd(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 { return index }
            index += 1
        }
        return nil
    }
}
