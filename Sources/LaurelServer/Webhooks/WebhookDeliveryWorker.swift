import Foundation
import LaurelCore
import LaurelStore

/// Delivers the outbox to webhook endpoints (the scheduler's `deliver_webhooks` job): fans new
/// messages out to the endpoints that subscribe to them, then sends what is due, each claimed
/// under a lease so that any number of nodes may run it at once. Runs apart from request
/// handling: a slow receiver holds up only its own delivery.
public enum WebhookDeliveryWorker {
    /// How long a claim holds a delivery: an attempt ends within its sender's time-out (10 s) and is
    /// recorded within one more, so only a node that died mid-attempt lets a delivery pass to another
    /// (which then sends it again: at least once). A sender with a longer time-out leases for three of them.
    public static let lease: TimeInterval = 60

    /// Fans out the new messages and makes every attempt due, until none is left; returns how many
    /// attempts it made. Every step reads the time from `clock` when it happens: an attempt is signed
    /// and recorded at its own time, not the run's.
    ///
    /// Deliveries are claimed a few at a time, never more than there is room for in flight
    /// (`concurrency`, and at most `batchSize`): each is sent as soon as it is claimed, and results are
    /// recorded (and more claimed) whenever half the room is free again, or nothing is in flight. An
    /// attempt ends within the sender's time-out, so a result waits at most about one time-out to be
    /// recorded, and a claim is recorded within two time-outs of being taken, well inside its lease; a
    /// receiver that does not answer holds only its own slot. (A member's next message becomes due
    /// within the same run once the one before it was delivered.)
    @discardableResult
    public static func runOnce(store: any WebhookStore, sender: WebhookSender = WebhookSender(allowPrivateAddresses: false), clock: any WallClock,
                               batchSize: Int = 500, concurrency: Int = 32, schedule: WebhookRetrySchedule = .standard,
                               metrics: LaurelMetrics? = nil) async throws -> Int {
        let fanOutBatch = 1000
        while try await store.fanOutWebhookMessages(now: clock.now(), batchSize: fanOutBatch) == fanOutBatch {}
        let room = max(1, min(batchSize, concurrency))
        let refill = max(1, room / 2)
        let timeout = Double(sender.timeout.components.seconds)
        let lease = max(Self.lease, 3 * timeout)
        return try await withThrowingTaskGroup(of: WebhookAttemptResult.self) { group in
            var inFlight = 0, attempts = 0
            var finished: [WebhookAttemptResult] = []
            while true {
                if inFlight == 0 || room - inFlight >= refill {
                    if !finished.isEmpty {
                        try await store.recordWebhookAttempts(finished, schedule: schedule)
                        metrics?.webhookAttempts(finished)
                        attempts += finished.count
                        finished.removeAll(keepingCapacity: true)
                    }
                    let claimed = try await store.claimWebhookDeliveries(now: clock.now(), lease: lease, limit: room - inFlight)
                    for dispatch in claimed {
                        group.addTask {
                            let attempt = await sender.send(dispatch, clock: clock)
                            return Self.outcome(of: attempt, for: dispatch, schedule: schedule, random: Double.random(in: 0...1))
                        }
                    }
                    inFlight += claimed.count
                    if inFlight == 0 { return attempts }
                }
                if let result = try await group.next() {
                    finished.append(result)
                    inFlight -= 1
                }
            }
        }
    }

    /// What an attempt means for its delivery: done, tried again later, or given up.
    static func outcome(of attempt: WebhookAttemptRecord, for dispatch: WebhookDispatch, schedule: WebhookRetrySchedule,
                        random: Double) -> WebhookAttemptResult {
        let next = schedule.after(succeeded: attempt.succeeded, attempt: dispatch.roundAttempts + 1, firstAttempt: dispatch.firstAttemptAt ?? attempt.at,
                                  now: attempt.at, random: random)
        return WebhookAttemptResult(dispatch: dispatch, attempt: attempt, next: next)
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
