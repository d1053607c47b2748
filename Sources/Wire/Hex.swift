extension Sequence<UInt8> {
    /// The bytes as lowercase hex, two digits each: `[0x0a, 0xff]` → `"0aff"`. Written as one
    /// buffer: a String per byte, joined, was most of the DHCP policy's client-key cost (perf).
    public var hexString: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            digits.append(hexDigits[Int(byte >> 4)])
            digits.append(hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

let hexDigits = Array("0123456789abcdef".utf8)

/// One byte as two lowercase hex digits.
func hexByte(_ byte: UInt8) -> String { [byte].hexString }
