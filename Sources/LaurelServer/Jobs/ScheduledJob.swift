import Foundation
import LaurelStore

/// One piece of time-driven work. Run at an instant, it does what is due then, batch by batch,
/// and says how much it handled. Every job is idempotent and safe when several nodes run it at
/// once (the store's row locks and unique keys see to that), so running it again, late, or on
/// two nodes does nothing twice.
public struct ScheduledJob: Sendable {
    public let name: String
    /// Seconds between runs in the server.
    public let interval: TimeInterval
    public let run: @Sendable (_ now: Date) async throws -> Int

    public init(name: String, interval: TimeInterval, run: @escaping @Sendable (_ now: Date) async throws -> Int) {
        self.name = name
        self.interval = interval
        self.run = run
    }

    /// A store step taken in batches of `batchSize` until a batch comes back short.
    public static func batched(_ name: String, interval: TimeInterval, batchSize: Int = 500,
                               _ step: @escaping @Sendable (_ now: Date, _ batchSize: Int) async throws -> Int) -> ScheduledJob {
        ScheduledJob(name: name, interval: interval) { now in
            var total = 0
            while true {
                let done = try await step(now, batchSize)
                total += done
                if done < batchSize { return total }
            }
        }
    }

    /// How often the server runs each kind of job, in seconds; 0 leaves it to other nodes or to
    /// `laurel jobs run`.
    public struct Intervals: Sendable {
        /// Points, tiers, club memberships, redemptions, expiring-soon notices, campaigns, birthdays (`--settle-every`).
        public var settle: TimeInterval
        /// Segment memberships for `member.segments` (`--refresh-segments-every`).
        public var segments: TimeInterval
        /// Webhook delivery (`--webhooks-every`).
        public var webhooks: TimeInterval
        public init(settle: TimeInterval = 60, segments: TimeInterval = 300, webhooks: TimeInterval = 1) {
            self.settle = settle
            self.segments = segments
            self.webhooks = webhooks
        }
        /// No job runs (benchmarks, tests that move time themselves).
        public static let none = Intervals(settle: 0, segments: 0, webhooks: 0)
    }

    /// Every job Laurel runs, in the order `laurel jobs run` runs them.
    public static func all(store: any LaurelStore, intervals: Intervals = Intervals(),
                           sender: WebhookSender = WebhookSender(allowPrivateAddresses: false), batchSize: Int = 500,
                           metrics: LaurelMetrics? = nil) -> [ScheduledJob] {
        let settle = intervals.settle
        return [
            batched(JobName.settlePoints, interval: settle, batchSize: batchSize, store.settleDuePoints),
            batched(JobName.reviewTiers, interval: settle, batchSize: batchSize, store.reviewTiers),
            batched(JobName.clubMemberships, interval: settle, batchSize: batchSize, store.runClubMemberships),
            batched(JobName.expireRedemptions, interval: settle, batchSize: batchSize, store.expireRedemptions),
            batched(JobName.pointsExpiringSoon, interval: settle, batchSize: batchSize, store.notifyExpiringPoints),
            ScheduledJob(name: JobName.refreshSegments, interval: intervals.segments) { now in
                try await SegmentRefreshJob.runOnce(store: store, now: now)
            },
            // After the segments, so that a campaign's gifts reach members who just entered its audience.
            ScheduledJob(name: JobName.campaigns, interval: settle) { now in try await CampaignJob.runOnce(store: store, now: now, batchSize: batchSize) },
            ScheduledJob(name: JobName.birthdays, interval: settle) { now in try await BirthdayJob.runOnce(store: store, now: now, batchSize: batchSize) },
            // Raffles whose draw time came: each drawn once, on whichever node gets there first.
            ScheduledJob(name: JobName.drawRaffles, interval: settle) { now in try await RaffleDrawJob.runOnce(store: store, random: .system(), now: now) },
            // Bulk point awards made by `POST /v1/bulk-awards`, batch by batch, each member credited once.
            ScheduledJob(name: JobName.bulkAwards, interval: settle) { now in try await BulkAwardJob.runOnce(store: store, now: now, batchSize: batchSize) },
            // After every job that writes messages, so that `laurel jobs run` delivers what they wrote. The run's time moves on
            // while it delivers: each attempt is signed and recorded at its own time.
            ScheduledJob(name: JobName.deliverWebhooks, interval: intervals.webhooks) { now in
                try await WebhookDeliveryWorker.runOnce(store: store, sender: sender, clock: RunClock(start: now), batchSize: batchSize, metrics: metrics)
            },
            // Backtests asked for through the API, one at a time on each node, each as long as it takes: after
            // the others, so that a long one does not hold up `laurel jobs run`'s ledger work.
            ScheduledJob(name: JobName.simulations, interval: settle > 0 ? min(settle, 10) : 0) { now in
                try await SimulationJob.runOnce(store: store, now: now)
            },
            // Files sent to `POST /v1/imports`, one after another on each node, each claimed under a lease (every
            // 10 s at most, as simulations: an import waits seconds, not a settlement interval, to start).
            ScheduledJob(name: JobName.imports, interval: settle > 0 ? min(settle, 10) : 0) { _ in try await ImportJob.runOnce(store: store) },
        ]
    }
}
