extension Sequence<UInt8> {
    /// The bytes as lowercase hex, two digits each: `[0x0a, 0xff]` → `"0aff"`.
    public var hexString: String { map(hexByte).joined() }
}
