/// One parsed HTTP/1.x request with its whole body.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// The request-target exactly as sent (RFC 9112 §3.2).
    public var target: String
    /// The percent-decoded path of the target, without its query.
    public var path: String
    /// Query parameters in order, percent-decoded, `+` read as a space (HTML form convention).
    public var query: [QueryItem]
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = [:], body: [UInt8] = [])
        throws(HTTPParseError)
    {
        self.method = method
        self.target = target
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
        let (rawPath, rawQuery) = Self.splitTarget(target)
        guard let path = PercentDecoding.decode(rawPath, plusAsSpace: false) else {
            throw .malformedRequestLine("bad percent-encoding in path \"\(rawPath)\"")
        }
        self.path = path
        self.query = []
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                  let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else { throw .malformedRequestLine("bad percent-encoding in query \"\(pair)\"") }
            query.append(QueryItem(name: name, value: value))
        }
    }

    /// The first value of a query parameter.
    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Persistent connection rules of RFC 9112 §9.3: HTTP/1.1 stays open unless `close`,
    /// HTTP/1.0 closes unless `keep-alive`.
    public var keepAlive: Bool {
        if headers.contains("Connection", token: "close") { return false }
        return minorVersion >= 1 || headers.contains("Connection", token: "keep-alive")
    }

    private static func splitTarget(_ target: String) -> (Substring, Substring) {
        var rest = Substring(target)
        // Absolute form (RFC 9112 §3.2.2), recognised only when the target is not origin form:
        // keep what follows the authority, which ends at the first '/' or '?'.
        if !rest.hasPrefix("/"), let scheme = rest.firstRange(of: "://") {
            let afterScheme = rest[scheme.upperBound...]
            if let end = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                rest = afterScheme[end...]
                if rest.hasPrefix("?") { return ("/", rest.dropFirst()) }
            } else {
                rest = "/"
            }
        }
        guard let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (rest, "") }
        return (rest[..<mark], rest[rest.index(after: mark)...])
    }
}

public enum PercentDecoding {
    /// Decodes `%XX` escapes; nil for a broken escape or bytes that are not UTF-8.
    public static func decode(_ text: Substring, plusAsSpace: Bool) -> String? {
        // Most text has no escape: it is taken as it is, without a copy into an array first.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        let utf8 = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count, let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
