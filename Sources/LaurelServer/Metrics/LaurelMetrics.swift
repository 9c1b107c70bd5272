import CoreMetrics
import Foundation
import LaurelCore
import LaurelStore
import Prometheus
import Synchronization

/// The server's metrics, served in Prometheus' text format at `GET /metrics` (docs/operations.md,
/// Metrics). Each application holds its own registry, so that tests (one process, many servers)
/// see their own figures; swift-metrics' global `MetricsSystem` is never bootstrapped.
///
/// The store records through `factory` (swift-metrics); the server's own series are made here on
/// the registry, each once and then cached, so recording one costs a dictionary lookup under a
/// lock (never held across a wait) and an atomic add. Labels are route templates, methods,
/// statuses, event types, outcomes and job names: never an id, email, key or other personal data.
public final class LaurelMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The factory the store's series are made with (`StoreMetricNames`), with their buckets.
    public let factory: any MetricsFactory

    /// Most distinct event types given a label of their own; later ones are counted as `other`
    /// (event types are free-form, so a caller could otherwise make series without end).
    public static let maxEventTypes = 50

    /// Seconds: from a quarter millisecond (a balance read) to ten seconds.
    static let latencyBuckets: [Duration] = [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
                                            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)]

    private struct RequestKey: Hashable {
        let route: String
        let method: String
        let status: Int
    }
    private struct RouteKey: Hashable {
        let route: String
        let method: String
    }
    private struct Series: Sendable {
        var requests: [RequestKey: Prometheus.Counter] = [:]
        var latency: [RouteKey: DurationHistogram] = [:]
        var events: [String: Prometheus.Counter] = [:]
        var eventTypes: Set<String> = []
        var jobs: [String: Prometheus.Counter] = [:]
        var webhooks: [String: Prometheus.Counter] = [:]
        var backlog: [String: Prometheus.Gauge] = [:]
    }
    private let series = Mutex(Series())
    private let ledgerEntries: Prometheus.Gauge
    private let databaseBytes: Prometheus.Gauge

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[StoreMetricNames.groupCommitWrites] = [1, 2, 4, 8, 16, 32, 64]
        factory.durationHistogramBuckets[StoreMetricNames.groupCommitDuration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1),
        ]
        self.factory = factory
        ledgerEntries = registry.makeGauge(descriptor: Self.name("laurel_ledger_entries", Help.ledgerEntries))
        databaseBytes = registry.makeGauge(descriptor: Self.name("laurel_database_bytes", Help.databaseBytes))
    }

    enum Help {
        static let requests = "HTTP requests answered, by route template, method and status."
        static let latency = "Seconds from a request's arrival to its answer, by route template and method."
        static let events = "Events posted to POST /v1/events, by type and outcome (recorded, held, replayed, refused, failed)."
        static let jobs = "Scheduled-job runs, by job and outcome (ok, error)."
        static let jobItems = "Items the scheduled jobs handled, by job."
        static let webhooks = "Webhook delivery attempts, by outcome (delivered, retrying, failed: given up)."
        static let ledgerEntries = "Ledger entries written since the database was made (its highest sequence number; read at scrape)."
        static let databaseBytes = "Bytes the database takes on disk: SQLite file and WAL, or the PostgreSQL schema's tables with indexes (read at scrape)."
        static let backlog = "Items due for each scheduled job now: what its next run will handle (read at scrape)."
    }

    // MARK: Recording

    /// One answered request; `route` is the template (`/v1/members/{id}`) or `unmatched`.
    func request(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let (counter, histogram) = series.withLock { series -> (Prometheus.Counter, DurationHistogram) in
            let key = RequestKey(route: route, method: method, status: status)
            let routeKey = RouteKey(route: route, method: method)
            if let counter = series.requests[key], let histogram = series.latency[routeKey] { return (counter, histogram) }
            let counter = registry.makeCounter(descriptor: Self.name("laurel_http_requests_total", Help.requests),
                                               labels: [("route", route), ("method", method), ("status", String(status))])
            let histogram = registry.makeDurationHistogram(descriptor: Self.name("laurel_http_request_duration_seconds", Help.latency),
                                                           labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets)
            series.requests[key] = counter
            series.latency[routeKey] = histogram
            return (counter, histogram)
        }
        counter.increment()
        histogram.record(.nanoseconds(Int64(clamping: nanoseconds)))
    }

    /// What became of one posted event.
    enum EventOutcome: String { case recorded, held, replayed, refused, failed }

    func event(type: String, outcome: EventOutcome) {
        // The type's label first: the cache below is keyed by labels, so it stays as small as the registry.
        let label = series.withLock { series -> String in
            if series.eventTypes.contains(type) { return type }
            guard series.eventTypes.count < Self.maxEventTypes else { return "other" }
            series.eventTypes.insert(type)
            return type
        }
        counter(\.events, key: "\(label)\n\(outcome.rawValue)") { _ in
            ("laurel_events_total", [("type", label), ("outcome", outcome.rawValue)], Help.events)
        }.increment()
    }

    /// One scheduled-job run and how many items it handled.
    func jobRun(_ name: String, processed: Int, failed: Bool) {
        let outcome = failed ? "error" : "ok"
        counter(\.jobs, key: "\(name)\n\(outcome)") { _ in ("laurel_job_runs_total", [("job", name), ("outcome", outcome)], Help.jobs) }.increment()
        counter(\.jobs, key: "\(name)\nitems") { _ in ("laurel_job_items_total", [("job", name)], Help.jobItems) }.increment(by: Int64(processed))
    }

    /// Webhook attempts whose results were recorded.
    func webhookAttempts(_ results: [WebhookAttemptResult]) {
        for result in results {
            let outcome: String
            switch result.next {
            case .succeeded: outcome = "delivered"
            case .retry: outcome = "retrying"
            case .failed: outcome = "failed"
            }
            counter(\.webhooks, key: outcome) { _ in ("laurel_webhook_attempts_total", [("outcome", outcome)], Help.webhooks) }.increment()
        }
    }

    /// The cached counter under `key`, made (name, labels, help from `make`) the first time.
    private func counter(_ table: WritableKeyPath<Series, [String: Prometheus.Counter]>, key: String,
                         _ make: (inout Series) -> (String, [(String, String)], String)) -> Prometheus.Counter {
        series.withLock { series in
            if let counter = series[keyPath: table][key] { return counter }
            let (name, labels, help) = make(&series)
            let counter = registry.makeCounter(descriptor: Self.name(name, help), labels: labels)
            series[keyPath: table][key] = counter
            return counter
        }
    }

    // MARK: Exposition

    /// The text format (version 0.0.4) of every series, the database's figures read first (the
    /// ledger's size, and each job's backlog: index lookups of what is due); should a read fail,
    /// those keep their last values.
    public func scrape(store: any LaurelStore, now: Date) async -> [UInt8] {
        if let entries = try? await store.ledgerEntriesWritten() { ledgerEntries.set(Double(entries)) }
        if let bytes = try? await store.databaseBytes() { databaseBytes.set(Double(bytes)) }
        if let backlog = try? await store.scheduledBacklog(now: now) {
            let gauges = series.withLock { series in
                backlog.keys.map { job in
                    let gauge = series.backlog[job] ?? registry.makeGauge(descriptor: Self.name("laurel_job_backlog", Help.backlog), labels: [("job", job)])
                    series.backlog[job] = gauge
                    return (gauge, backlog[job] ?? 0)
                }
            }
            for (gauge, due) in gauges { gauge.set(Double(due)) }
        }
        return registry.emitToBuffer()
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A series' whole name (`laurel_…_total`) and its `# HELP` line.
    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
