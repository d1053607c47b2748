/// Parses a request line and header field lines (RFC 9112 §3 and §5), strictly.
enum HTTPHeadParser {
    static func parse(lines: [ArraySlice<UInt8>], limits: HTTPLimits) throws(HTTPParseError) -> HTTPRequest {
        guard let requestLine = lines.first else { throw .malformedRequestLine("empty") }
        let (method, target, minor) = try parseRequestLine(requestLine)
        let fieldLines = lines.dropFirst()
        guard fieldLines.count <= limits.maxHeaderCount else { throw .tooManyHeaders(limit: limits.maxHeaderCount) }
        var headers = HTTPHeaders()
        for line in fieldLines {
            let (name, value) = try parseField(line)
            headers.add(name, value)
        }
        // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host.
        if minor == 1, headers["Host"] == nil { throw .missingHost }
        return try HTTPRequest(method: method, target: target, minorVersion: minor, headers: headers)
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String, Int) {
        // Only an error shows the line: built then, not for every request.
        func shown() -> String { String(String(decoding: line, as: UTF8.self).prefix(80)) }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformedRequestLine("expected METHOD TARGET VERSION in \"\(shown())\"") }
        guard !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter) else {
            throw .malformedRequestLine("bad method in \"\(shown())\"")
        }
        guard !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .malformedRequestLine("bad target in \"\(shown())\"")
        }
        let minor: Int
        switch parts[2] {
        case Self.http11: minor = 1
        case Self.http10: minor = 0
        default:
            guard parts[2].starts(with: "HTTP/".utf8) else { throw .malformedRequestLine("bad version in \"\(shown())\"") }
            throw .unsupportedVersion(String(decoding: parts[2], as: UTF8.self))
        }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self), minor)
    }

    private static let http11 = ArraySlice("HTTP/1.1".utf8)
    private static let http10 = ArraySlice("HTTP/1.0".utf8)

    static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (String, String) {
        func shown() -> String { String(decoding: line.prefix(80), as: UTF8.self) }
        // RFC 9112 §5.2: obsolete line folding is refused.
        if line.first == UInt8(ascii: " ") || line.first == UInt8(ascii: "\t") {
            throw .malformedHeader("obsolete line folding in \"\(shown())\"")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformedHeader("no colon in \"\(shown())\"") }
        let name = line[line.startIndex..<colon]
        // RFC 9112 §5.1: no whitespace between name and colon; names are tokens.
        guard !name.isEmpty, name.allSatisfy(isTokenCharacter) else { throw .malformedHeader("bad field name in \"\(shown())\"") }
        var value = line[(colon + 1)...]
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .malformedHeader("control character in \"\(shown())\"")
        }
        // RFC 9110 §5.6.3: OWS around the value is not part of it.
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = value.first, isSpace(first) { value.removeFirst() }
        while let last = value.last, isSpace(last) { value.removeLast() }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// tchar of RFC 9110 §5.6.2.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
