/// Why bytes are not a DHCP message. `description` names the problem and where it is, for logs
/// (malformed DHCP input is counted, logged and dropped; DESIGN.md §2).
public struct DHCPDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The three places options can live (RFC 2131 §4.1, option 52 of RFC 2132 §9.3).
    public enum Field: String, Equatable, Sendable {
        case options, file, sname
    }

    public enum Reason: Equatable, Sendable {
        /// Fewer than the 236 bytes of the fixed header plus the 4-byte magic cookie (RFC 2131 §3).
        case tooShort(length: Int)
        /// `op` other than 1 BOOTREQUEST or 2 BOOTREPLY (RFC 2131 §2).
        case badOp(UInt8)
        /// The first four bytes of the options field are not 99.130.83.99 (RFC 2131 §3).
        case badMagicCookie(UInt32)
        /// An option's code is the last byte of its field: no length byte follows (RFC 2132 §2).
        case missingLength(code: UInt8, offset: Int, field: Field)
        /// An option's length runs past the end of its field by `excess` bytes.
        case optionOverrun(code: UInt8, offset: Int, excess: Int, field: Field)
        /// Option 52 is not exactly one byte (RFC 2132 §9.3).
        case badOverloadLength(Int)
        /// Option 52's value is not 1 (file), 2 (sname) or 3 (both) (RFC 2132 §9.3).
        case badOverloadValue(UInt8)
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case .tooShort(let length):
            "DHCP packet of \(length) byte\(length == 1 ? "" : "s") is shorter than the \(DHCPPacket.minimumLength)-byte minimum"
        case .badOp(let op):
            "DHCP op \(op) is not 1 (BOOTREQUEST) or 2 (BOOTREPLY)"
        case .badMagicCookie(let cookie):
            "bad DHCP magic cookie 0x\(dhcpHex32(cookie)), expected 0x63825363 (99.130.83.99)"
        case .missingLength(let code, let offset, let field):
            "DHCP option \(code) at offset \(offset) has no length byte before the end of the \(field.rawValue) field"
        case .optionOverrun(let code, let offset, let excess, let field):
            "DHCP option \(code) at offset \(offset) overruns the \(field.rawValue) field by \(excess) byte\(excess == 1 ? "" : "s")"
        case .badOverloadLength(let length):
            "DHCP option 52 (overload) has length \(length), not 1"
        case .badOverloadValue(let value):
            "DHCP option 52 overload value \(value) is not 1, 2 or 3"
        }
    }
}

/// Eight lowercase hex digits.
func dhcpHex32(_ value: UInt32) -> String {
    [24, 16, 8, 0].map { hexByte(UInt8(truncatingIfNeeded: value >> $0)) }.joined()
}
