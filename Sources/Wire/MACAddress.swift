/// A 48-bit IEEE 802 MAC address with one canonical text form: lowercase, colon separated.
///
/// Parsing accepts the forms operators and firmware actually produce and rejects everything else:
/// - `aa:bb:cc:dd:ee:ff` and `AA-BB-CC-DD-EE-FF` (IEEE 802 / Windows)
/// - `aabb.ccdd.eeff` (Cisco)
/// - `aabbccddeeff` (bare hex, e.g. iPXE `${net0/mac:hexraw}`)
/// - any separated form with the `01-` / `01:` hardware-type prefix of pxelinux config names
///   (ARP hardware type 1 = Ethernet, RFC 1700)
public struct MACAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The six octets in transmission order, packed into the low 48 bits.
    public let rawValue: UInt64

    public init(octets: [UInt8]) throws(MACAddressError) {
        guard octets.count == 6 else { throw MACAddressError(input: octets.map(hexByte).joined(separator: ":")) }
        self.rawValue = octets.reduce(0) { ($0 << 8) | UInt64($1) }
    }

    public init(_ text: String) throws(MACAddressError) {
        guard let value = Self.parse(Array(text.utf8)) else { throw MACAddressError(input: text) }
        self.rawValue = value
    }

    public var octets: [UInt8] {
        (0..<6).map { UInt8(truncatingIfNeeded: rawValue >> (40 - 8 * UInt64($0))) }
    }

    /// Canonical form: `aa:bb:cc:dd:ee:ff`, written straight into 17 bytes: every lookup and log
    /// line of a boot plane request spells MACs, and six strings joined cost 4 % of one (perf).
    public var description: String {
        String(unsafeUninitializedCapacity: 17) { text in
            for index in 0..<6 {
                let octet = Int((rawValue >> (40 - 8 * UInt64(index))) & 0xFF)
                text[index * 3] = hexDigits[octet >> 4]
                text[index * 3 + 1] = hexDigits[octet & 0xF]
                if index < 5 { text[index * 3 + 2] = UInt8(ascii: ":") }
            }
            return 17
        }
    }

    /// Group bit (I/G, bit 0 of the first octet) clear and not all zero: an address a NIC can own.
    public var isUnicast: Bool { rawValue != 0 && (rawValue >> 40) & 1 == 0 }

    public static func < (lhs: MACAddress, rhs: MACAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    private static func parse(_ bytes: [UInt8]) -> UInt64? {
        switch bytes.count {
        case 12:
            return hexRun(bytes[...])
        case 14:
            // Cisco dotted: three groups of four hex digits.
            guard bytes[4] == UInt8(ascii: "."), bytes[9] == UInt8(ascii: ".") else { return nil }
            return hexRun(bytes[0..<4] + bytes[5..<9] + bytes[10..<14])
        case 17:
            return separatedPairs(bytes, groups: 6)
        case 20:
            // pxelinux `01-aa-bb-cc-dd-ee-ff`: seven pairs, the first the hardware type 1.
            guard let value = separatedPairs(bytes, groups: 7), value >> 48 == 1 else { return nil }
            return value & 0xFFFF_FFFF_FFFF
        default:
            return nil
        }
    }

    /// Two-digit groups joined by one separator, `:` or `-`, the same throughout.
    private static func separatedPairs(_ bytes: [UInt8], groups: Int) -> UInt64? {
        let separator = bytes[2]
        guard separator == UInt8(ascii: ":") || separator == UInt8(ascii: "-") else { return nil }
        var digits: [UInt8] = []
        for group in 0..<groups {
            let start = group * 3
            if group > 0, bytes[start - 1] != separator { return nil }
            digits.append(contentsOf: bytes[start..<start + 2])
        }
        return hexRun(digits[...])
    }

    private static func hexRun(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            guard let nibble = hexValue(digit) else { return nil }
            value = value << 4 | UInt64(nibble)
        }
        return value
    }
}

public struct MACAddressError: Error, Equatable, CustomStringConvertible {
    public let input: String
    public var description: String {
        "invalid MAC address \"\(input)\": expected six hex octets like aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF, aabb.ccdd.eeff or aabbccddeeff"
    }
}

func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
    default: return nil
    }
}
