/// The options of a DHCP message (RFC 2132), kept as raw bytes per code in the order each code
/// first appeared. Typed accessors for the options this server reads and writes are in
/// `DHCPOptions+Typed.swift` and `DHCPOptions+Boot.swift`.
///
/// One code holds one value: repeated instances of a code in a message are concatenated in order
/// when decoding (RFC 3396 §7), and a value longer than 255 bytes is split into consecutive
/// instances when encoding (RFC 3396 §5). Equality compares the values and their order.
public struct DHCPOptions: Equatable, Sendable {
    private var values: [UInt8: [UInt8]] = [:]
    /// The codes present, in order of first appearance (or of first assignment).
    public private(set) var codes: [UInt8] = []

    /// Option 0, padding (RFC 2132 §3.1): never stored.
    public static let padCode: UInt8 = 0
    /// Option 255, end of the options (RFC 2132 §3.2): never stored.
    public static let endCode: UInt8 = 255

    public init() {}

    /// The value of option `code`, nil if absent. An empty array is an option of length 0 (for
    /// example rapid commit, RFC 4039). Setting nil removes the option; setting a value keeps the
    /// code's place if it was present, else appends it. Codes 0 (pad) and 255 (end) are framing,
    /// not options: setting them does nothing.
    public subscript(code: UInt8) -> [UInt8]? {
        get { values[code] }
        set {
            guard code != Self.padCode, code != Self.endCode else { return }
            if let newValue {
                if values.updateValue(newValue, forKey: code) == nil { codes.append(code) }
            } else if values.removeValue(forKey: code) != nil {
                codes.removeAll { $0 == code }
            }
        }
    }

    public var isEmpty: Bool { codes.isEmpty }

    /// Appends `bytes` to option `code`'s value, adding the option if absent: how a decoder joins
    /// split instances (RFC 3396 §7).
    mutating func concatenate(_ bytes: ArraySlice<UInt8>, to code: UInt8) {
        if values[code] == nil { codes.append(code) }
        values[code, default: []].append(contentsOf: bytes)
    }

    /// The options as code/length/value instances, values over 255 bytes split into consecutive
    /// instances (RFC 3396 §5), without END. Codes in `excluding` are left out.
    func encode(into bytes: inout [UInt8], excluding: Set<UInt8> = []) {
        for code in codes where !excluding.contains(code) {
            guard let value = values[code] else { continue }
            var start = 0
            repeat {
                let end = min(start + 255, value.count)
                bytes.append(code)
                bytes.append(UInt8(end - start))
                bytes.append(contentsOf: value[start..<end])
                start = end
            } while start < value.count
        }
    }
}
