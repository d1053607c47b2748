/// Renders snapshots in the Prometheus text exposition format, version 0.0.4: a `# HELP` and a
/// `# TYPE` line per family, then one line per sample; histograms as cumulative
/// `_bucket{le="…"}` lines ending with `+Inf`, then `_sum` and `_count`.
public enum PrometheusText {
    /// The Content-Type a scrape answer carries.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ snapshots: [MetricSnapshot]) -> String {
        var text = ""
        for snapshot in snapshots {
            let family = snapshot.family
            text += "# HELP \(family.name) \(escapeHelp(family.help))\n"
            text += "# TYPE \(family.name) \(family.kind.rawValue)\n"
            // Series in label order, so two scrapes of the same state are the same text.
            for series in snapshot.series.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels) }) {
                let pairs = Array(zip(family.labelNames, series.labels))
                switch series.value {
                case .number(let value):
                    text += sample(family.name, pairs, value)
                case .histogram(let buckets, let sum, let count):
                    var cumulative: UInt64 = 0
                    for (index, observed) in buckets.enumerated() {
                        cumulative += observed
                        let bound = index < family.buckets.count ? number(family.buckets[index]) : "+Inf"
                        text += sample(family.name + "_bucket", pairs + [("le", bound)], Double(cumulative))
                    }
                    text += sample(family.name + "_sum", pairs, sum)
                    text += sample(family.name + "_count", pairs, Double(count))
                }
            }
        }
        return text
    }

    private static func sample(_ name: String, _ labels: [(String, String)], _ value: Double) -> String {
        let set = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
        return "\(name)\(set) \(number(value))\n"
    }

    /// Go's float formatting as Prometheus parses it: integers without a point, `+Inf`, `-Inf`,
    /// `NaN`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Label values escape backslash, double quote and line feed.
    static func escapeLabelValue(_ value: String) -> String {
        escape(value, quote: true)
    }

    /// HELP text escapes backslash and line feed (a double quote stays as it is).
    static func escapeHelp(_ help: String) -> String {
        escape(help, quote: false)
    }

    private static func escape(_ text: String, quote: Bool) -> String {
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\"" where quote: escaped += "\\\""
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
