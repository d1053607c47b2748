/// What one metric family is: its name, help text, type and label names (Prometheus text
/// exposition format 0.0.4, "Text format details").
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public let name: String
    public let help: String
    public let kind: Kind
    public let labelNames: [String]
    /// Upper bounds of a histogram's buckets, ascending; `+Inf` is implied.
    public let buckets: [Double]

    /// Names are fixed in code: a malformed one is a programming error, stopped at registration.
    init(name: String, help: String, kind: Kind, labelNames: [String], buckets: [Double] = []) {
        precondition(Self.isMetricName(name), "invalid metric name \(name)")
        for label in labelNames {
            // `le` is the bucket label of histograms; `__` names are reserved for Prometheus itself.
            precondition(Self.isLabelName(label) && !label.hasPrefix("__") && label != "le", "invalid label name \(label) of \(name)")
        }
        precondition(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 } && buckets.allSatisfy(\.isFinite),
                     "buckets of \(name) must be finite and ascending")
        self.name = name
        self.help = help
        self.kind = kind
        self.labelNames = labelNames
        self.buckets = buckets
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    static func isMetricName(_ name: String) -> Bool {
        isName(name, extra: ":")
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    static func isLabelName(_ name: String) -> Bool {
        isName(name, extra: nil)
    }

    private static func isName(_ name: String, extra: Unicode.Scalar?) -> Bool {
        func allowed(_ scalar: Unicode.Scalar, digits: Bool) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_" || scalar == extra
                || (digits && ("0"..."9").contains(scalar))
        }
        guard let first = name.unicodeScalars.first, allowed(first, digits: false) else { return false }
        return name.unicodeScalars.allSatisfy { allowed($0, digits: true) }
    }
}
