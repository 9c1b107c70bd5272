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

    /// Every job Laurel runs, in the order `laurel jobs run` runs them; `interval` is the
    /// server's `--settle-every`.
    public static func all(store: any LaurelStore, interval: TimeInterval, batchSize: Int = 500) -> [ScheduledJob] {
        [
            batched(JobName.settlePoints, interval: interval, batchSize: batchSize, store.settleDuePoints),
            batched(JobName.reviewTiers, interval: interval, batchSize: batchSize, store.reviewTiers),
            batched(JobName.clubMemberships, interval: interval, batchSize: batchSize, store.runClubMemberships),
            batched(JobName.expireRedemptions, interval: interval, batchSize: batchSize, store.expireRedemptions),
            batched(JobName.pointsExpiringSoon, interval: interval, batchSize: batchSize, store.notifyExpiringPoints),
        ]
    }
}
