/// One sub-option of an encapsulating option: 43 vendor specific (RFC 2132 §8.4), 82 relay
/// agent information (RFC 3046 §2.0), 175 iPXE.
public typealias DHCPSubOption = (code: UInt8, value: [UInt8])

/// Code/length/value sub-options inside one option's value, kept in order (a code may repeat).
public enum DHCPSubOptions {
    /// How sub-options are framed inside their option.
    public enum Framing: Sendable {
        /// RFC 2132 §8.4 (options 43 and 175): 0 is one byte of padding, 255 ends the list.
        case padAndEnd
        /// RFC 3046 §2.0 (option 82): every byte belongs to a code/length/value tuple.
        case plain
    }

    /// The sub-options in `bytes`, nil if one runs past the end (a malformed option: callers
    /// treat it as absent rather than refuse the whole message).
    public static func decode(_ bytes: [UInt8], framing: Framing) -> [DHCPSubOption]? {
        var items: [DHCPSubOption] = []
        var index = 0
        while index < bytes.count {
            let code = bytes[index]
            if framing == .padAndEnd {
                if code == 0 {
                    index += 1
                    continue
                }
                if code == 255 { break }
            }
            guard index + 1 < bytes.count else { return nil }
            let end = index + 2 + Int(bytes[index + 1])
            guard end <= bytes.count else { return nil }
            items.append((code, Array(bytes[index + 2..<end])))
            index = end
        }
        return items
    }

    /// The wire form of `items`. A sub-option length is one byte, so values over 255 bytes are
    /// cut to 255. With `.padAndEnd` framing the list ends with 255, as PXE 2.1 §2.4 requires
    /// for option 43; items coded 0 or 255 cannot be represented there and are left out.
    public static func encode(_ items: [DHCPSubOption], framing: Framing) -> [UInt8] {
        var bytes: [UInt8] = []
        for item in items {
            if framing == .padAndEnd, item.code == 0 || item.code == 255 { continue }
            let value = item.value.prefix(255)
            bytes.append(item.code)
            bytes.append(UInt8(value.count))
            bytes.append(contentsOf: value)
        }
        if framing == .padAndEnd { bytes.append(255) }
        return bytes
    }
}
