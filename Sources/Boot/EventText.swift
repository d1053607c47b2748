/// Text bound for an event's `detail`: one line (control characters read as spaces, runs of
/// spaces as one) of at most `limit` characters, cut with `…`, so `provisionctl events` stays a
/// table and what a machine sends cannot grow the timeline without bound.
public enum EventText {
    public static func line(_ text: String, limit: Int) -> String {
        var result = ""
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == " " || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}" {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace { result.unicodeScalars.append(" ") }
            pendingSpace = false
            result.unicodeScalars.append(scalar)
        }
        guard result.count > limit else { return result }
        return String(result.prefix(max(0, limit - 1))) + "…"
    }
}
