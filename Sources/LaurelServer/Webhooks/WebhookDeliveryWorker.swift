import Foundation
import LaurelCore
import LaurelStore

/// Delivers the outbox to webhook endpoints (the scheduler's `deliver_webhooks` job): fans new
/// messages out to the endpoints that subscribe to them, then sends what is due, each claimed
/// under a lease so that any number of nodes may run it at once. Runs apart from request
/// handling: a slow receiver holds up only its own delivery.
public enum WebhookDeliveryWorker {
    /// How long a claim holds a delivery: well beyond an attempt's 10 s, so only a node that died
    /// mid-attempt lets it pass to another (which then sends it again: at least once).
    public static let lease: TimeInterval = 60

    /// Fans out the new messages and makes every attempt due, batch after batch, until none is left;
    /// returns how many attempts it made. Every step reads the time from `clock` when it happens: an
    /// attempt is signed and recorded at its own time, not the run's. (A member's next message becomes
    /// due within the same run once the one before it was delivered.)
    @discardableResult
    public static func runOnce(store: any WebhookStore, sender: WebhookSender = WebhookSender(allowPrivateAddresses: false), clock: any WallClock,
                               batchSize: Int = 500, concurrency: Int = 32, schedule: WebhookRetrySchedule = .standard) async throws -> Int {
        let fanOutBatch = 1000
        while try await store.fanOutWebhookMessages(now: clock.now(), batchSize: fanOutBatch) == fanOutBatch {}
        var attempts = 0
        while true {
            let claimed = try await store.claimWebhookDeliveries(now: clock.now(), lease: lease, limit: batchSize)
            if claimed.isEmpty { break }
            let results = await withTaskGroup(of: WebhookAttemptResult.self) { group in
                var results: [WebhookAttemptResult] = []
                // At most `concurrency` requests in flight: an attempt's 10 s include its wait for a
                // connection, which a whole batch sent at once would spend queueing.
                for (index, dispatch) in claimed.enumerated() {
                    if index >= concurrency, let result = await group.next() { results.append(result) }
                    group.addTask {
                        let attempt = await sender.send(dispatch, clock: clock)
                        return Self.outcome(of: attempt, for: dispatch, schedule: schedule, random: Double.random(in: 0...1))
                    }
                }
                for await result in group { results.append(result) }
                return results
            }
            try await store.recordWebhookAttempts(results, schedule: schedule)
            attempts += claimed.count
        }
        return attempts
    }

    /// What an attempt means for its delivery: done, tried again later, or given up.
    static func outcome(of attempt: WebhookAttemptRecord, for dispatch: WebhookDispatch, schedule: WebhookRetrySchedule,
                        random: Double) -> WebhookAttemptResult {
        if attempt.succeeded { return WebhookAttemptResult(dispatch: dispatch, attempt: attempt, next: .succeeded, gone: false) }
        let next: WebhookAttemptResult.Next = switch schedule.afterFailure(attempt: dispatch.roundAttempts + 1,
                                                                          firstAttempt: dispatch.firstAttemptAt ?? attempt.at, now: attempt.at, random: random) {
        case .retry(let at): .retry(at: at)
        case .failed: .failed
        case .succeeded: .succeeded
        }
        return WebhookAttemptResult(dispatch: dispatch, attempt: attempt, next: next, gone: attempt.statusCode == 410)
    }
}

/// The time during one scheduled run: the scheduler's clock at the run's start, moved on by the
/// monotonic time since. The scheduler reads its clock once per run; a delivery run that drains a
/// backlog for minutes signs and records every attempt at the time it is made.
public struct RunClock: WallClock {
    let start: Date
    let started = ContinuousClock.now

    public init(start: Date) { self.start = start }

    public func now() -> Date {
        let elapsed = ContinuousClock.now - started
        return start.addingTimeInterval(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
