import Foundation
import LaurelStore
import Logging
import ServiceLifecycle

/// Periodically matures pending points whose wait is over and expires lots past their date,
/// so cached balances follow the clock even for members who do nothing.
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
        while true {
            let due = try await store.settleDuePoints(now: now, batchSize: batchSize)
            total += due
            if due < batchSize { return total }
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let settled = try await Self.runOnce(store: store, now: clock.now())
                if settled > 0 { logger.info("settled points of \(settled) members") }
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
