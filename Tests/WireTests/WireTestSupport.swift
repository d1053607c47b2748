import Wire

/// UTF-8 bytes of a string literal.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Feeds `data` to a fresh parser in pieces of `pieceSize` bytes, draining every complete request
/// after each piece.
func parseRequests(_ data: [UInt8], pieceSize: Int = Int.max, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError)
    -> [HTTPRequest]
{
    var cuts: [Int] = []
    var offset = pieceSize
    while offset < data.count {
        cuts.append(offset)
        offset += pieceSize
    }
    return try parseRequests(data, cuts: cuts, limits: limits)
}

/// Feeds `data` to a fresh parser split at the given offsets (ascending), draining after each piece.
func parseRequests(_ data: [UInt8], cuts: [Int], limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> [HTTPRequest] {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [HTTPRequest] = []
    var start = 0
    for end in cuts + [data.count] where end >= start {
        parser.append(data[start..<end])
        start = end
        while let request = try parser.nextRequest() { requests.append(request) }
    }
    return requests
}

/// Exactly one request from `text` fed at once.
func parseOne(_ text: String, limits: HTTPLimits = HTTPLimits()) throws(HTTPParseError) -> HTTPRequest? {
    let requests = try parseRequests(bytes(text), limits: limits)
    return requests.count == 1 ? requests[0] : nil
}

/// The error a parser throws for `text` fed at once, or nil if it throws none.
func parseError(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    parseError(bytes(text), limits: limits)
}

func parseError(_ data: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    do {
        _ = try parseRequests(data, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// xorshift64: a small deterministic generator, so fuzz runs are reproducible.
struct Xorshift64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

extension HTTPParseError {
    /// The case without its payload, for comparing errors whose messages are not the point.
    var kind: String {
        switch self {
        case .headerTooLarge: "headerTooLarge"
        case .tooManyHeaders: "tooManyHeaders"
        case .bodyTooLarge: "bodyTooLarge"
        case .malformedRequestLine: "malformedRequestLine"
        case .malformedHeader: "malformedHeader"
        case .unsupportedVersion: "unsupportedVersion"
        case .invalidContentLength: "invalidContentLength"
        case .conflictingFraming: "conflictingFraming"
        case .unsupportedTransferEncoding: "unsupportedTransferEncoding"
        case .malformedChunk: "malformedChunk"
        case .missingHost: "missingHost"
        case .malformedStatusLine: "malformedStatusLine"
        case .incompleteResponse: "incompleteResponse"
        }
    }
}
