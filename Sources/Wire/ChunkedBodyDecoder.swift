/// Decodes a `Transfer-Encoding: chunked` body (RFC 9112 §7.1) as bytes arrive. Chunk extensions
/// and trailer fields are read and dropped.
struct ChunkedBodyDecoder: Sendable {
    let limit: Int
    private(set) var body: [UInt8] = []
    private var phase: Phase = .size

    private enum Phase: Sendable {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    /// Longest chunk-size or trailer line accepted.
    private static let maxLineBytes = 4096

    init(limit: Int) { self.limit = limit }

    /// Consumes what it can from `buffer` starting at `position`; true once the last chunk and the
    /// trailer section have been read.
    mutating func consume(_ buffer: [UInt8], from position: inout Int) throws(HTTPParseError) -> Bool {
        while true {
            switch phase {
            case .size:
                guard let line = try takeLine(buffer, &position) else { return false }
                // chunk-size = 1*HEXDIG (RFC 9112 §7.1): no sign, which Int(_:radix:) would accept.
                let digits = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self).trimmingSpaces()
                guard !digits.isEmpty, digits.count <= 15, digits.utf8.allSatisfy({ hexValue($0) != nil }),
                      let size = Int(digits, radix: 16)
                else {
                    throw .malformedChunk("bad chunk size \"\(String(decoding: line.prefix(40), as: UTF8.self))\"")
                }
                if body.count + size > limit { throw .bodyTooLarge(length: body.count + size, limit: limit) }
                phase = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let available = min(remaining, buffer.count - position)
                body.append(contentsOf: buffer[position..<position + available])
                position += available
                guard available == remaining else {
                    phase = .data(remaining: remaining - available)
                    return false
                }
                phase = .dataEnd
            case .dataEnd:
                guard let line = try takeLine(buffer, &position) else { return false }
                guard line.isEmpty else { throw .malformedChunk("chunk data longer than its size") }
                phase = .size
            case .trailers:
                guard let line = try takeLine(buffer, &position) else { return false }
                if line.isEmpty { return true }
            }
        }
    }

    /// One line ending in LF (CR before it dropped), or nil if it has not fully arrived.
    private func takeLine(_ buffer: [UInt8], _ position: inout Int) throws(HTTPParseError) -> ArraySlice<UInt8>? {
        guard let newline = buffer[position...].firstIndex(of: 0x0A) else {
            if buffer.count - position > Self.maxLineBytes { throw .malformedChunk("line longer than \(Self.maxLineBytes) bytes") }
            return nil
        }
        var end = newline
        if end > position, buffer[end - 1] == 0x0D { end -= 1 }
        let line = buffer[position..<end]
        position = newline + 1
        return line
    }
}
