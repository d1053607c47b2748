import Foundation
import Metrics

/// The process's resident memory, open descriptors and threads, read from `/proc/self` at each
/// scrape (the names of Prometheus's own process collector where it has them).
enum ProcessGauges {
    static func register(in registry: MetricsRegistry) {
        registry.collectedGauge("process_resident_memory_bytes", "Resident memory size in bytes.") {
            status().residentBytes.map { [.init(labels: [], value: .number($0))] } ?? []
        }
        registry.collectedGauge("process_open_fds", "Number of open file descriptors.") {
            // The listing's own descriptor is counted too; it is one of ours while we look.
            let count = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
            return [.init(labels: [], value: .number(Double(count)))]
        }
        registry.collectedGauge("process_threads", "Number of OS threads in the process.") {
            status().threads.map { [.init(labels: [], value: .number($0))] } ?? []
        }
    }

    private static func status() -> ProcessStatus {
        ProcessStatus(statusText: (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? "")
    }
}
