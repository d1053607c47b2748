import Testing
@testable import Metrics

struct PrometheusTextTests {
    /// Every kind of family, labels that need escaping, and histogram buckets, as exact text.
    @Test func rendersTheExpositionFormat() {
        let registry = MetricsRegistry()
        let requests = registry.counter("demo_requests_total", "Requests by path.\nSecond \\ line \"quoted\".", labels: ["path", "code"])
        requests.increment("/a\"b\\c\nd", "200")
        requests.increment("/", "200", by: 2)
        requests.increment("/", "404", by: 0)
        let temperature = registry.gauge("demo_temperature_celsius", "A gauge.")
        temperature.set(to: -1.5)
        let latency = registry.histogram("demo_latency_seconds", "A histogram.", labels: ["route"], buckets: [0.1, 1])
        latency.observe("x", value: 0.05)
        latency.observe("x", value: 0.1)
        latency.observe("x", value: 0.5)
        latency.observe("x", value: 3)
        registry.collectedGauge("demo_collected", "Read at scrape time.", labels: ["state"]) {
            [.init(labels: ["b"], value: .number(2)), .init(labels: ["a"], value: .number(1))]
        }
        #expect(registry.render() == """
            # HELP demo_requests_total Requests by path.\\nSecond \\\\ line "quoted".
            # TYPE demo_requests_total counter
            demo_requests_total{path="/",code="200"} 2
            demo_requests_total{path="/",code="404"} 0
            demo_requests_total{path="/a\\"b\\\\c\\nd",code="200"} 1
            # HELP demo_temperature_celsius A gauge.
            # TYPE demo_temperature_celsius gauge
            demo_temperature_celsius -1.5
            # HELP demo_latency_seconds A histogram.
            # TYPE demo_latency_seconds histogram
            demo_latency_seconds_bucket{route="x",le="0.1"} 2
            demo_latency_seconds_bucket{route="x",le="1"} 3
            demo_latency_seconds_bucket{route="x",le="+Inf"} 4
            demo_latency_seconds_sum{route="x"} 3.65
            demo_latency_seconds_count{route="x"} 4
            # HELP demo_collected Read at scrape time.
            # TYPE demo_collected gauge
            demo_collected{state="a"} 1
            demo_collected{state="b"} 2

            """)
    }

    @Test func familiesWithoutSamplesStillSayWhatTheyAre() {
        let registry = MetricsRegistry()
        _ = registry.counter("empty_total", "Nothing yet.", labels: ["kind"])
        #expect(registry.render() == "# HELP empty_total Nothing yet.\n# TYPE empty_total counter\n")
    }

    @Test func numbersAsPrometheusParsesThem() {
        #expect(PrometheusText.number(3) == "3")
        #expect(PrometheusText.number(0.25) == "0.25")
        #expect(PrometheusText.number(.infinity) == "+Inf")
        #expect(PrometheusText.number(-.infinity) == "-Inf")
        #expect(PrometheusText.number(.nan) == "NaN")
        #expect(PrometheusText.number(1e20) == "1e+20")
    }

    @Test func namesFollowTheDataModel() {
        #expect(MetricFamily.isMetricName("provisiond_dhcp:rate_5m"))
        #expect(!MetricFamily.isMetricName("9lives"))
        #expect(!MetricFamily.isMetricName("has-dash"))
        #expect(!MetricFamily.isMetricName(""))
        #expect(MetricFamily.isLabelName("_route"))
        #expect(!MetricFamily.isLabelName("a:b"))
    }

    /// Counting from many threads at once loses nothing.
    @Test func concurrentCountsAddUp() async {
        let registry = MetricsRegistry()
        let counter = registry.counter("hits_total", "Hits.")
        let histogram = registry.histogram("work_seconds", "Work.", buckets: [1])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<1000 {
                        counter.increment()
                        histogram.observe(value: 0.5)
                    }
                }
            }
        }
        let text = registry.render()
        #expect(text.contains("hits_total 8000\n"))
        #expect(text.contains("work_seconds_bucket{le=\"1\"} 8000\n"))
        #expect(text.contains("work_seconds_count 8000\n"))
    }

    @Test func procStatusLines() {
        let status = ProcessStatus(statusText: "Name:\tprovisiond\nVmRSS:\t   12345 kB\nThreads:\t7\nBogus\n")
        #expect(status == ProcessStatus(residentBytes: 12345 * 1024, threads: 7))
        #expect(ProcessStatus(statusText: "VmRSS: lots kB\n") == ProcessStatus(residentBytes: nil, threads: nil))
    }
}
