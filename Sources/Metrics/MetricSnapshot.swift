/// One family's series at one moment: what the text renderer prints.
public struct MetricSnapshot: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        /// Observations per bucket (not cumulative; one more than the family's bounds, the last
        /// for `+Inf`), their sum and count.
        case histogram(buckets: [UInt64], sum: Double, count: UInt64)
    }

    public struct Series: Sendable, Equatable {
        /// Values in the order of the family's label names.
        public let labels: [String]
        public let value: Value

        public init(labels: [String], value: Value) {
            self.labels = labels
            self.value = value
        }
    }

    public let family: MetricFamily
    public let series: [Series]

    public init(family: MetricFamily, series: [Series]) {
        self.family = family
        self.series = series
    }
}
