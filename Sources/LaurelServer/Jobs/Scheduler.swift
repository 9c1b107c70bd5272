import Foundation
import LaurelStore
import Logging
import ServiceLifecycle

/// The one runner of Laurel's time-driven work (`ScheduledJob.all`): each job in its own loop on
/// its own interval (a job with interval 0 is not run), on the server's clock (an injected one in
/// tests), every run recorded for `laurel jobs list`. A slow job never holds up another, nor any
/// API request.
public struct Scheduler: Service {
    let jobs: [ScheduledJob]
    let store: any LaurelStore
    let clock: any WallClock
    let logger: Logger
    /// Where each run is counted (`laurel_job_runs_total`, `laurel_job_items_total`); nil: nowhere.
    let metrics: LaurelMetrics?

    public init(jobs: [ScheduledJob], store: any LaurelStore, clock: any WallClock, logger: Logger, metrics: LaurelMetrics? = nil) {
        self.jobs = jobs
        self.store = store
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            for job in jobs where job.interval > 0 { group.addTask { await loop(job) } }
        }
    }

    private func loop(_ job: ScheduledJob) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let run = await Self.run(job, store: store, now: clock.now())
            metrics?.jobRun(job.name, processed: run.processed, failed: run.error != nil)
            if let error = run.error {
                logger.error("job \(job.name) failed: \(error)")
            } else if run.processed > 0 {
                logger.info("job \(job.name) handled \(run.processed) in \(run.durationMillis) ms")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(job.interval)) }
            } catch {
                return
            }
        }
    }

    /// Runs `job` once at `now` and records the run (a failure too: it is the run's `error`).
    @discardableResult
    public static func run(_ job: ScheduledJob, store: any LaurelStore, now: Date) async -> JobRunRecord {
        let started = ContinuousClock.now
        var record = JobRunRecord(name: job.name, startedAt: now, durationMillis: 0, processed: 0)
        do {
            record.processed = try await job.run(now)
        } catch {
            record.error = "\(error)"
        }
        record.durationMillis = (ContinuousClock.now - started).wholeMilliseconds
        try? await store.recordJobRun(record)
        return record
    }

    /// Runs every job once at `now`, in order (`laurel jobs run`), each run recorded; a failed job's
    /// run carries its error and the next job still runs.
    public static func runAll(store: any LaurelStore, now: Date, sender: WebhookSender = WebhookSender(allowPrivateAddresses: false),
                              batchSize: Int = 500) async -> [JobRunRecord] {
        var runs: [JobRunRecord] = []
        for job in ScheduledJob.all(store: store, sender: sender, batchSize: batchSize) {
            runs.append(await run(job, store: store, now: now))
        }
        return runs
    }

    /// `runAll`, throwing the first failure after all have run (tests).
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, sender: WebhookSender = WebhookSender(allowPrivateAddresses: false),
                               batchSize: Int = 500) async throws -> [JobRunRecord] {
        let runs = await runAll(store: store, now: now, sender: sender, batchSize: batchSize)
        if let failed = runs.first(where: { $0.error != nil }) { throw JobFailure(name: failed.name, message: failed.error ?? "") }
        return runs
    }
}

/// A scheduled job that failed when run on demand.
public struct JobFailure: Error, CustomStringConvertible {
    public let name: String
    public let message: String
    public var description: String { "job \(name) failed: \(message)" }
}
