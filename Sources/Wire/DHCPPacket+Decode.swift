extension DHCPPacket {
    /// Decodes one DHCP message from a datagram (RFC 2131 §2–§3, RFC 2132). Never traps.
    ///
    /// Strict about structure: at least 240 bytes, `op` 1 or 2, the magic cookie, and no option
    /// running past the end of its field. Lenient about what RFC 2131 leaves to good manners:
    /// a missing END ends the options at the end of their field, bytes after END are ignored,
    /// non-Ethernet `htype`/`hlen` are kept (`clientMAC` is then nil), and typed accessors
    /// return nil for values of the wrong length instead of refusing the packet.
    ///
    /// Options are read from the options field, then, if option 52 says so, from `file` and
    /// then `sname` (RFC 2131 §4.1); instances of one code are concatenated in that order
    /// (RFC 3396 §7). An option 52 inside `file` or `sname` is ignored. Text fields that hold
    /// options decode as empty strings.
    public static func decode(_ bytes: [UInt8]) throws(DHCPDecodeError) -> DHCPPacket {
        guard bytes.count >= minimumLength else { throw DHCPDecodeError(.tooShort(length: bytes.count)) }
        guard bytes[0] == bootRequest || bytes[0] == bootReply else { throw DHCPDecodeError(.badOp(bytes[0])) }
        let cookie = read32(bytes, at: headerLength)
        guard cookie == magicCookie else { throw DHCPDecodeError(.badMagicCookie(cookie)) }

        var options = DHCPOptions()
        try parseOptions(bytes, in: minimumLength..<bytes.count, field: .options, into: &options)
        var overload: UInt8 = 0
        if let value = options[DHCPOptionCode.overload] {
            guard value.count == 1 else { throw DHCPDecodeError(.badOverloadLength(value.count)) }
            guard (1...3).contains(value[0]) else { throw DHCPDecodeError(.badOverloadValue(value[0])) }
            overload = value[0]
        }
        if overload & 1 != 0 {
            try parseOptions(bytes, in: fileRange, field: .file, into: &options, ignoring: DHCPOptionCode.overload)
        }
        if overload & 2 != 0 {
            try parseOptions(bytes, in: snameRange, field: .sname, into: &options, ignoring: DHCPOptionCode.overload)
        }

        return DHCPPacket(
            op: bytes[0], xid: read32(bytes, at: 4), htype: bytes[1], hlen: bytes[2], hops: bytes[3],
            secs: read16(bytes, at: 8), flags: read16(bytes, at: 10),
            ciaddr: IPv4Address(rawValue: read32(bytes, at: 12)), yiaddr: IPv4Address(rawValue: read32(bytes, at: 16)),
            siaddr: IPv4Address(rawValue: read32(bytes, at: 20)), giaddr: IPv4Address(rawValue: read32(bytes, at: 24)),
            chaddr: Array(bytes[28..<44]),
            sname: overload & 2 != 0 ? "" : text(bytes[snameRange]),
            file: overload & 1 != 0 ? "" : text(bytes[fileRange]),
            options: options)
    }

    /// Code/length/value options in `range` (RFC 2132 §2): 0 is one byte of padding, 255 ends
    /// the field. Offsets in errors count from the start of the packet.
    private static func parseOptions(_ bytes: [UInt8], in range: Range<Int>, field: DHCPDecodeError.Field,
                                     into options: inout DHCPOptions, ignoring ignored: UInt8? = nil) throws(DHCPDecodeError) {
        var index = range.lowerBound
        while index < range.upperBound {
            let code = bytes[index]
            if code == DHCPOptions.padCode {
                index += 1
                continue
            }
            if code == DHCPOptions.endCode { return }
            guard index + 1 < range.upperBound else {
                throw DHCPDecodeError(.missingLength(code: code, offset: index, field: field))
            }
            let valueStart = index + 2
            let valueEnd = valueStart + Int(bytes[index + 1])
            guard valueEnd <= range.upperBound else {
                throw DHCPDecodeError(.optionOverrun(code: code, offset: index, excess: valueEnd - range.upperBound, field: field))
            }
            if code != ignored { options.concatenate(bytes[valueStart..<valueEnd], to: code) }
            index = valueEnd
        }
    }

    /// A NUL-terminated text field; a field filled to its end without NUL is taken whole.
    /// Invalid UTF-8 is repaired with U+FFFD.
    private static func text(_ field: ArraySlice<UInt8>) -> String {
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[..<end], as: UTF8.self)
    }

    static func read16(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func read32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
