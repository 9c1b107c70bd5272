import Foundation
import LaurelStore
import Logging
import ServiceLifecycle

/// Periodically does what the clock makes due for members who do nothing: matures pending
/// points and expires lots, re-evaluates tiers (review dates, activity leaving the window, staff
/// floors ending), warns about, renews or ends club memberships, expires redemptions past their end, and
/// runs campaigns (`CampaignJob`) and birthdays (`BirthdayJob`).
public struct SettlementJob: Service {
    let store: any LaurelStore
    let clock: any WallClock
    let interval: TimeInterval
    let logger: Logger

    public init(store: any LaurelStore, clock: any WallClock, interval: TimeInterval, logger: Logger) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.logger = logger
    }

    /// Settles everything due now, batch by batch, until a batch comes back short; returns how
    /// many member settlements were looked at.
    @discardableResult
    public static func runOnce(store: any LaurelStore, now: Date, batchSize: Int = 500) async throws -> Int {
        var total = 0
        for step in [store.settleDuePoints, store.reviewTiers, store.runClubMemberships, store.expireRedemptions] {
            while true {
                let due = try await step(now, batchSize)
                total += due
                if due < batchSize { break }
            }
        }
        // Until the lead wires them into the shared scheduler, campaigns and birthdays run here.
        total += try await CampaignJob.runOnce(store: store, now: now, batchSize: batchSize)
        total += try await BirthdayJob.runOnce(store: store, now: now, batchSize: batchSize)
        return total
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let settled = try await Self.runOnce(store: store, now: clock.now())
                if settled > 0 { logger.info("scheduled work done for \(settled) members and memberships") }
            } catch {
                logger.error("settlement failed: \(error)")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
        }
    }
}
