import Synchronization

/// The metric families of one process and their current values, behind one lock: any thread
/// may count, and a scrape sees every family at one moment. Families whose values live elsewhere
/// (machines by state, process memory) are read by their collectors at each scrape, outside the
/// lock.
public final class MetricsRegistry: Sendable {
    fileprivate struct Stored {
        let family: MetricFamily
        var series: [[String]: MetricSnapshot.Value] = [:]
    }

    private let stored = Mutex<[Stored]>([])
    private let collectors = Mutex<[(MetricFamily, @Sendable () -> [MetricSnapshot.Series])]>([])

    public init() {}

    public func counter(_ name: String, _ help: String, labels: [String] = []) -> Counter {
        Counter(registry: self, index: add(MetricFamily(name: name, help: help, kind: .counter, labelNames: labels)))
    }

    public func gauge(_ name: String, _ help: String, labels: [String] = []) -> Gauge {
        Gauge(registry: self, index: add(MetricFamily(name: name, help: help, kind: .gauge, labelNames: labels)))
    }

    public func histogram(_ name: String, _ help: String, labels: [String] = [], buckets: [Double]) -> Histogram {
        let family = MetricFamily(name: name, help: help, kind: .histogram, labelNames: labels, buckets: buckets)
        return Histogram(registry: self, index: add(family), buckets: buckets)
    }

    /// A gauge family read at every scrape: `collect` returns its series (values in label order).
    public func collectedGauge(_ name: String, _ help: String, labels: [String] = [],
                               _ collect: @escaping @Sendable () -> [MetricSnapshot.Series]) {
        let family = MetricFamily(name: name, help: help, kind: .gauge, labelNames: labels)
        collectors.withLock { $0.append((family, collect)) }
    }

    /// Every family: stored ones in registration order, then collected ones.
    public func snapshot() -> [MetricSnapshot] {
        let counted = stored.withLock { stored in
            stored.map { entry in
                MetricSnapshot(family: entry.family, series: entry.series.map { MetricSnapshot.Series(labels: $0.key, value: $0.value) })
            }
        }
        let collected = collectors.withLock { $0 }.map { family, collect in
            let series = collect()
            for one in series { Self.checkLabels(one.labels, family) }
            return MetricSnapshot(family: family, series: series)
        }
        return counted + collected
    }

    /// The whole registry in the text exposition format.
    public func render() -> String { PrometheusText.render(snapshot()) }

    private func add(_ family: MetricFamily) -> Int {
        stored.withLock { stored in
            precondition(!stored.contains { $0.family.name == family.name }, "metric \(family.name) registered twice")
            stored.append(Stored(family: family))
            return stored.count - 1
        }
    }

    fileprivate func update(_ index: Int, _ labels: [String], _ change: (inout MetricSnapshot.Value?) -> Void) {
        stored.withLock { stored in
            Self.checkLabels(labels, stored[index].family)
            change(&stored[index].series[labels])
        }
    }

    /// One value per label name: a mismatch is a programming error at the counting point.
    private static func checkLabels(_ labels: [String], _ family: MetricFamily) {
        precondition(labels.count == family.labelNames.count,
                     "\(family.name) takes labels \(family.labelNames), given \(labels.count) values")
    }
}

/// A count that only goes up (its name ends in `_total`).
public struct Counter: Sendable {
    fileprivate let registry: MetricsRegistry
    fileprivate let index: Int

    /// `by: 0` makes the series exist before its first event, so `rate()` sees its start.
    public func increment(_ labels: String..., by amount: Double = 1) {
        precondition(amount >= 0, "a counter cannot go down")
        registry.update(index, labels) { value in
            if case .number(let current)? = value { value = .number(current + amount) } else { value = .number(amount) }
        }
    }
}

/// A value that goes up and down.
public struct Gauge: Sendable {
    fileprivate let registry: MetricsRegistry
    fileprivate let index: Int

    public func set(_ labels: String..., to amount: Double) {
        registry.update(index, labels) { $0 = .number(amount) }
    }
}

/// Observations counted into buckets by upper bound (`le`), with their sum and count.
public struct Histogram: Sendable {
    fileprivate let registry: MetricsRegistry
    fileprivate let index: Int
    fileprivate let buckets: [Double]

    public func observe(_ labels: String..., value: Double) {
        // The first bucket whose bound holds the value; past the last bound, the `+Inf` one.
        let bucket = buckets.firstIndex { value <= $0 } ?? buckets.count
        registry.update(index, labels) { stored in
            guard case .histogram(var counts, let sum, let count)? = stored else {
                var counts = [UInt64](repeating: 0, count: buckets.count + 1)
                counts[bucket] = 1
                stored = .histogram(buckets: counts, sum: value, count: 1)
                return
            }
            counts[bucket] += 1
            stored = .histogram(buckets: counts, sum: sum + value, count: count + 1)
        }
    }
}
