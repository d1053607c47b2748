/// An IPv4 address. Text form is strict dotted decimal (RFC 6943 §3.1.1): four decimal octets,
/// no leading zeros (so `010.0.0.1` is never silently read as octal or decimal).
public struct IPv4Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        rawValue = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    public init(_ text: String) throws(IPv4AddressError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { throw IPv4AddressError(input: text) }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count),
                  part.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"),
                  let octet = UInt8(part)
            else { throw IPv4AddressError(input: text) }
            value = value << 8 | UInt32(octet)
        }
        rawValue = value
    }

    public var octets: [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: rawValue >> $0) } }

    public var description: String { octets.map(String.init).joined(separator: ".") }

    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.rawValue < rhs.rawValue }
}

public struct IPv4AddressError: Error, Equatable, CustomStringConvertible {
    public let input: String
    public var description: String { "invalid IPv4 address \"\(input)\": expected dotted decimal like 10.0.0.5" }
}
