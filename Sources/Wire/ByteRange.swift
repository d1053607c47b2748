/// A `Range: bytes=...` request (RFC 9110 §14.1.2) resolved against a representation's size.
/// Only single ranges are served; a multi-range request gets the whole representation, which
/// RFC 9110 §14.2 allows.
public enum ByteRange: Equatable, Sendable {
    /// Serve everything with 200 (no Range, a multi-range or unparseable one).
    case whole
    /// Serve bytes `first...last` with 206.
    case partial(first: Int, last: Int)
    /// Answer 416 with `Content-Range: bytes */size`.
    case unsatisfiable

    public static func resolve(_ header: String?, size: Int) -> ByteRange {
        guard let header else { return .whole }
        let trimmed = header.trimmingSpaces()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst(6).trimmingSpaces()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash]
        let lastText = spec[spec.index(after: dash)...]
        guard firstText.allSatisfy(\.isASCIIDigit), lastText.allSatisfy(\.isASCIIDigit),
              firstText.count <= 18, lastText.count <= 18
        else { return .whole }
        if firstText.isEmpty {
            // Suffix range: the last N bytes.
            guard let count = Int(lastText), count > 0 else { return lastText.isEmpty ? .whole : .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .partial(first: max(0, size - count), last: size - 1)
        }
        guard let first = Int(firstText) else { return .whole }
        guard first < size else { return .unsatisfiable }
        guard let last = Int(lastText) else { return lastText.isEmpty ? .partial(first: first, last: size - 1) : .whole }
        guard last >= first else { return .whole }
        return .partial(first: first, last: min(last, size - 1))
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
