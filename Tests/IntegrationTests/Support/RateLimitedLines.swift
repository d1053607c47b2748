/// What a server's log says of a rate-limited event (`RateLimitedLog`): the lines written in full
/// (with `peer=`), and the counts by reason of the lines of counts that stand for the rest.
struct RateLimitedLines {
    let full: [Substring]
    let counted: [String: Int]

    var total: Int { full.count + counted.values.reduce(0, +) }

    init(_ log: String, event: String) {
        let lines = log.split(separator: "\n").filter { $0.split(separator: " ").dropFirst(3).first == Substring(event) }
        full = lines.filter { $0.contains(" peer=") }
        var counted: [String: Int] = [:]
        for line in lines where !line.contains(" peer=") {
            for field in line.split(separator: " ").dropFirst(4) {
                let parts = field.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !["listener", "lines_written", "interval_s"].contains(parts[0]), let count = Int(parts[1]) else { continue }
                counted[String(parts[0]), default: 0] += count
            }
        }
        self.counted = counted
    }
}
